"""Names of scenario fields as people read them, for tables, charts and messages.

A scenario field has a path such as ``models[2].serving.utilization_target``; reports show it as
``llm-reranker-8b: utilization target (serving)``: the model (or role, task, data source) by its
own name, the field in words with acronyms kept (:func:`field_label`), and the part of the
scenario it belongs to in brackets (:data:`PART_TITLES`). One set of rules for the inputs tables,
the uncertainty tables and charts, and the explorer.
"""

from __future__ import annotations

import re

#: Headings of the scenario's parts in the inputs tables, by field path without list indices.
PART_TITLES = {
    "traffic": "Traffic", "models": "Model", "models.serving": "serving", "models.training": "training",
    "models.speculative": "speculative decoding", "compute": "Compute", "compute.cpu": "CPU fleet",
    "on_prem": "On-premises site", "fusion": "Fusion", "fusion.meta_model": "meta-model", "data": "Data",
    "data.sources": "Data source", "data.processing": "Data processing", "data.labelling": "Labelling",
    "data.retention": "Data retention", "storage": "Storage", "storage.on_prem_media": "on-premises media",
    "staff": "Staff", "staff.roles": "Role", "staff.tasks": "Task", "staff.operations": "operations",
}
#: Words of field names written out for people (None: dropped, the unit column says it).
_WORDS = {"gb": "GB", "kv": "KV", "api": "API", "cpu": "CPU", "slo": "objective", "ttft": "time to first token",
          "tpot": "time per output token", "mfu": "model FLOPs utilisation (MFU)", "pue": "PUE", "fte": "FTE",
          "mbu": "memory bandwidth utilisation (MBU)", "kwh": "kWh", "ms": None, "rps": None, "id": "ID"}
_FIELD_LABELS = {"throughput_rps": "Measured throughput", "mfu_train": "Training MFU", "artifact_gb": "Artifact size",
                 "name": "Name", "model": "Catalog model", "fte": "Full-time equivalents", "capacity_gb": "Capacity of one medium"}


def field_label(name: str) -> str:
    """A field name as people read it.

    >>> field_label("latency_slo_ms"), field_label("kv_bytes_per_token"), field_label("throughput_rps")
    ('Latency objective', 'KV bytes per token', 'Measured throughput')
    """
    if name in _FIELD_LABELS:
        return _FIELD_LABELS[name]
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def _in_words(label: str) -> str:
    """A label inside a sentence: first letter lower-cased unless it starts an acronym (MFU, KV)."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _field(parts: list[str], part: str) -> str:
    """``parts`` (field names below the part ``part``) in words, the sub-part in brackets."""
    text = _in_words(field_label(parts[-1]))
    if len(parts) > 1:
        key = ".".join([part, *parts[:-1]]) if part else ".".join(parts[:-1])
        text += f" ({PART_TITLES.get(key, ' '.join(_in_words(field_label(p)) for p in parts[:-1]))})"
    return text


def path_label(scenario, path: str) -> str:
    """A readable name for the field at ``path`` of ``scenario``: a model by its name, an entry of a
    named list (role, task, data source) by its name, the stage of a cascade escalation.

    >>> from tco import load_scenario
    >>> from tco.files import repo_path
    >>> s = load_scenario(repo_path("data/scenarios/search-cascade.yaml"))
    >>> path_label(s, "models[2].serving.utilization_target")
    'llm-reranker-8b: utilization target (serving)'
    >>> path_label(s, "models[0].mfu"), path_label(s, "traffic.requests_per_day")
    ('ce-small: model FLOPs utilisation (MFU)', 'Traffic: requests per day')
    >>> path_label(s, "staff.roles[1].fte")
    "Role 'LLM re-ranking engineer': full-time equivalents"
    >>> path_label(s, "fusion.escalation[0]"), path_label(s, "traffic.peak_to_average")
    ('Fusion: escalation to stage 2', 'Traffic: peak to average')
    """
    match = re.match(r"models\[(\d+)\]\.(.*)", path)
    if match and int(match.group(1)) < len(scenario.models):
        return f"{scenario.models[int(match.group(1))].name}: {_field(match.group(2).split('.'), 'models')}"
    match = re.match(r"fusion\.escalation\[(\d+)\]$", path)
    if match:
        return f"Fusion: escalation to stage {int(match.group(1)) + 2}"
    match = re.match(r"([a-z_.]+)\[(\d+)\]\.(.*)", path)
    if match:
        try:
            entry = scenario
            for name in match.group(1).split("."):
                entry = getattr(entry, name)
            entry = entry[int(match.group(2))]
            name = next(getattr(entry, a) for a in ("name", "role", "task") if getattr(entry, a, None))
            title = PART_TITLES.get(match.group(1), field_label(match.group(1).split(".")[-1]))
            return f"{title} '{name}': {_field(match.group(3).split('.'), match.group(1))}"
        except (AttributeError, IndexError, StopIteration):
            pass
    first, _, rest = path.partition(".")
    if not rest:
        return field_label(first)
    return f"{PART_TITLES.get(first, field_label(first))}: {_field(rest.split('.'), first)}"
