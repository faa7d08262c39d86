"""The five cost dimensions (DESIGN 3.7): each module turns a scenario and its sizing into line items."""

from . import compute, data, fusion, staff, storage

DIMENSIONS = ("data", "storage", "compute", "staff", "fusion")
LABELS = {
    "data": "Data cost / 数据成本",
    "storage": "Model storage cost / 模型存储成本",
    "compute": "Compute cost / 计算资源成本",
    "staff": "Staff cost / 人员成本",
    "fusion": "Multi-model fusion cost / 多模型融合成本",
}
#: the scenario sections each dimension reads
INPUT_SECTIONS = {
    "data": ["data"],
    "storage": ["storage"],
    "compute": ["traffic", "models", "compute", "on_prem"],
    "staff": ["staff"],
    "fusion": ["fusion"],
}

#: dimension -> its kinds of line item by name (:class:`tco.context.ItemKind`), declared in each module
KINDS = {"data": data.KINDS, "storage": storage.KINDS, "compute": compute.KINDS, "staff": staff.KINDS,
         "fusion": fusion.KINDS}

__all__ = ["DIMENSIONS", "INPUT_SECTIONS", "KINDS", "LABELS", "compute", "data", "fusion", "staff", "storage"]
