"""Layers three and four (医疗救助; 倾斜救助 / 再救助 / 托底) for each region.

Each region module exposes:
  assist(ctx)               -> sets ctx.assistance and ctx.tilt, with their steps and caps
  hospital_borne(ctx)       -> the part a hospital bears, in principle (optional; 武汉 only)
  FLAGS_USED                -> the case flags its rules read
Classes come from each region's `classes` parameter.
"""
from . import changchun, dianjiang, weihai, wuhan

MODULES = {"wuhan": wuhan, "dianjiang": dianjiang, "weihai": weihai, "changchun": changchun}
