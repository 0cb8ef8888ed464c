"""Layers three and four (医疗救助; 倾斜救助 / 再救助 / 托底), one module per region.

A region is a module here (every module but `common`), and it declares itself:
  ORDER          where it stands in the window's lists
  NAME           the region's name as results and receipts print it
  FLAGS_USED     the case flags its rules read
  LEDGER_LABELS  its own accumulated ledger amounts, as a clerk reads them
  SAMPLE         a case for `--self-test`: the input with a person, and the 医疗救助 it must give (`expect`)
  FIELD_HINTS    (optional) hints the window shows beside a field, by the field's input path
and holds its rules:
  assist(ctx)          -> sets ctx.assistance and ctx.tilt, with their steps and caps
  hospital_borne(ctx)  -> the part a hospital bears, in principle (optional)
Classes come from each region's `classes` parameter. Adding a region = its module, its policy
files (resources/policies/<region>-*.yaml) and its tests: every list of regions is built here.

The list of regions, their names and their modules are in engine/region_registry.py, which
finds these modules without importing them and imports each on first use, so that the rest of
the engine can name the regions without depending on their rules.
"""
