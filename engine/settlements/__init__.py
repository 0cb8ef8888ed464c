"""The insurer's settlement list (医保信息平台 结算信息 export) read into cases: the mapping file
(resources/settlements/), the rows checked one by one, the batch import against the case store,
and its outputs (拟发放名单, the receipts in one PDF). docs/settlement-import.md describes it."""
