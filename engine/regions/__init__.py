"""Layers three and four (医疗救助; 倾斜救助 / 再救助 / 托底) for each region.

Each region module exposes:
  known_identities(ps)      -> identity codes the region's documents name, in class order
  assistance_class(ps, id)  -> the class name, or None
  assist(ctx)               -> sets ctx.assistance and ctx.tilt, with their steps and caps
  extras(ctx_case)          -> hospital_borne and identity-independent steps (optional)
"""
from . import changchun, dianjiang, weihai, wuhan

MODULES = {"wuhan": wuhan, "dianjiang": dianjiang, "weihai": weihai, "changchun": changchun}
