"""The rules of scenario edits, below the engine: one model's deployment, the fusion strategy,
the first model alone, the billing mode. :mod:`tco.variants` is where they are used from (with the
levers, the alternatives a chapter compares and their costing); the engine uses
:func:`first_model_alone` for the marginal cost of fusion.

Which serving keys survive a switch of deployment is written next to the schema
(:func:`tco.scenario.switched_serving`); the fusion defaults next to the fusion formulas
(:data:`tco.dimensions.fusion.DEFAULT_ESCALATION`, :data:`~tco.dimensions.fusion.DEFAULT_META_MODEL`).
"""

from __future__ import annotations

from typing import Callable

from .catalog import Catalog
from .dimensions.fusion import DEFAULT_ESCALATION, DEFAULT_META_MODEL
from .errors import ScenarioError
from .ranges import _tokens
from .scenario import Fusion, Scenario, parse_scenario, scenario_to_dict, switched_serving

STRATEGIES = ("single", "ensemble", "cascade", "stacking")
#: a value for :func:`set_path` that removes the key
ABSENT = object()
#: the fusion block of a model served alone
ALONE_FUSION = {"strategy": "single"}


# --- edits of plain data (the scenario as YAML would hold it) -------------------------------------
def _model_index(d: dict, model: int | str) -> int:
    if isinstance(model, int):
        if not 0 <= model < len(d["models"]):
            raise ScenarioError([("models", f"there is no model {model}; the scenario has {len(d['models'])}")])
        return model
    names = [m.get("name") for m in d["models"]]
    if model not in names:
        raise ScenarioError([("models", f"no model is named '{model}'; the models are {', '.join(names)}")])
    return names.index(model)


def apply_deployment(d: dict, model: int | str, option: dict) -> dict:
    """Switch one model of scenario data ``d`` (edited in place and returned) to ``option``.

    The serving block keeps what :func:`tco.scenario.switched_serving` keeps. A model switched to
    the hosted API it named as its alternative no longer names it.

    >>> d = {"models": [{"name": "m", "api_alternative": "gpt-4o-mini",
    ...                  "serving": {"instance": "g6.xlarge", "redundancy": 1}}]}
    >>> apply_deployment(d, "m", {"deployment": "api", "api_model": "gpt-4o-mini"})["models"]
    [{'name': 'm', 'serving': {'deployment': 'api', 'api_model': 'gpt-4o-mini'}}]
    """
    switch_deployment(d["models"][_model_index(d, model)], option)
    return d


def switch_deployment(m: dict, option: dict) -> dict:
    """Switch one model's data ``m`` (edited in place and returned) to the deployment ``option``;
    the rule of :func:`apply_deployment`."""
    m["serving"] = switched_serving(m.get("serving", {}), dict(option))
    if option.get("deployment") == "api" and m.get("api_alternative") == option.get("api_model"):
        m.pop("api_alternative", None)
    return m


def apply_first_model_alone(d: dict) -> dict:
    """Keep only the first model, served on its own (strategy ``single`` with its defaults)."""
    d["models"] = d["models"][:1]
    d["fusion"] = dict(ALONE_FUSION)
    return d


def apply_strategy(d: dict, strategy: str, escalation=None) -> dict:
    """Fuse the models of scenario data ``d`` with ``strategy`` (edited in place and returned).

    ``single`` keeps the first model alone. ``cascade`` escalates ``escalation`` (one share per
    later stage), else the scenario's own, else :data:`DEFAULT_ESCALATION` at every stage.
    ``stacking`` keeps its meta-model, else :data:`DEFAULT_META_MODEL`. Other strategies drop
    the escalation and the meta-model, which only they use.

    >>> apply_strategy({"models": [{}, {}, {}], "fusion": {"strategy": "ensemble"}}, "cascade")["fusion"]
    {'strategy': 'cascade', 'escalation': [0.2, 0.2]}
    """
    if strategy not in STRATEGIES:
        raise ScenarioError([("fusion.strategy", f"'{strategy}' is not one of {', '.join(STRATEGIES)}")])
    if strategy == "single":
        return apply_first_model_alone(d)
    f = d.setdefault("fusion", {})
    own = f.pop("escalation", None)
    f["strategy"] = strategy
    if strategy == "cascade":
        f["escalation"] = list(escalation if escalation is not None
                               else own or [DEFAULT_ESCALATION] * (len(d["models"]) - 1))
    if strategy == "stacking":
        f.setdefault("meta_model", dict(DEFAULT_META_MODEL))
    else:
        f.pop("meta_model", None)
    return d


def set_path(data, path: str, value) -> None:
    """Set ``value`` at ``path`` (``models[0].serving.instance``) in scenario data, creating mappings
    on the way (list entries must exist); the value :data:`ABSENT` removes the key instead.

    >>> d = {"models": [{"name": "m"}]}
    >>> set_path(d, "models[0].serving.instance", "g6.xlarge"); d
    {'models': [{'name': 'm', 'serving': {'instance': 'g6.xlarge'}}]}
    >>> set_path(d, "models[0].serving.instance", ABSENT); d
    {'models': [{'name': 'm', 'serving': {}}]}
    """
    tokens = _tokens(path)
    node = data
    for i, (token, following) in enumerate(zip(tokens, tokens[1:] + [None])):
        last = following is None
        if isinstance(token, int):
            if not isinstance(node, list) or token >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise ScenarioError([(path, f"there is no entry [{token}]: the scenario has {size} "
                                            f"{tokens[i - 1] if i else 'entries'} (counted from [0])")])
            if last and value is ABSENT:
                raise ScenarioError([(path, "a whole list entry cannot be removed; remove its fields")])
            if last:
                node[token] = value
            else:
                node = node[token]
            continue
        if not isinstance(node, dict):
            parent = ".".join(str(t) for t in tokens[:i])
            raise ScenarioError([(path, f"'{token}' cannot be set: {parent} holds a value, not fields")])
        if last and value is ABSENT:
            node.pop(token, None)
        elif last:
            node[token] = value
        else:
            node = node.setdefault(token, [] if isinstance(following, int) else {})


# --- edits of a scenario --------------------------------------------------------------------------
def _edited(scenario: Scenario, change: Callable[[dict], object], catalog: Catalog | None = None) -> Scenario:
    d = scenario_to_dict(scenario)
    change(d)
    return parse_scenario(d, catalog, source=getattr(scenario, "_source", None))


def with_deployment(scenario: Scenario, model: int | str, option: dict, catalog: Catalog | None = None) -> Scenario:
    """The scenario with one model (index or name) served by ``option`` (see :func:`apply_deployment`).

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> s = load_scenario(repo_path("data/scenarios/llm-query-rewrite.yaml"))
    >>> api = with_deployment(s, 0, {"deployment": "api", "api_model": s.models[0].api_alternative})
    >>> api.models[0].serving.deployment, api.models[0].serving.api_model, api.models[0].api_alternative
    ('api', 'qwen-plus', None)
    """
    return _edited(scenario, lambda d: apply_deployment(d, model, option), catalog)


def with_strategy(scenario: Scenario, strategy: str, escalation=None, catalog: Catalog | None = None) -> Scenario:
    """The scenario with its models fused by ``strategy`` (see :func:`apply_strategy`)."""
    return _edited(scenario, lambda d: apply_strategy(d, strategy, escalation), catalog)


def first_model_alone(scenario: Scenario, catalog: Catalog | None = None, validate: bool = True) -> Scenario:
    """The scenario's first model served alone: the baseline of the marginal cost of fusion.

    With ``validate`` False the same edit is made on the validated scenario itself, without
    reading it again (what the engine does on every evaluation: a part of a valid scenario with the
    default fusion block is valid).

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> alone = first_model_alone(load_scenario(repo_path("data/scenarios/search-cascade.yaml")))
    >>> len(alone.models), alone.fusion.strategy
    (1, 'single')
    >>> first_model_alone(load_scenario(repo_path("data/scenarios/search-cascade.yaml")), validate=False).fusion.strategy
    'single'
    """
    if not validate:
        return scenario.model_copy(update={"models": scenario.models[:1], "fusion": Fusion(**ALONE_FUSION)})
    return _edited(scenario, apply_first_model_alone, catalog)


def with_billing(scenario: Scenario, billing: str, catalog: Catalog | None = None) -> Scenario | None:
    """The scenario with every cloud model billed ``billing`` ('provisioned' or 'autoscaled');
    ``None`` when no model runs on the cloud."""
    if not any(m.serving.deployment == "cloud" for m in scenario.models):
        return None

    def change(d):
        for m, model in zip(d["models"], scenario.models):
            if model.serving.deployment == "cloud":
                m.setdefault("serving", {})["billing"] = billing
    return _edited(scenario, change, catalog)
