"""Turn a C2PA manifest store (the SDK's `Reader.json()`, parsed) into a summary and evidence.

Pure functions over untrusted JSON: every shape is checked, every list is capped, nothing
raises on odd data.

Evidence fields say where a value came from, rooted at the manifest it was read from:

    manifest[<label>]/claim_generator
    manifest[<label>]/claim_generator_info[<i>].name
    manifest[<label>]/signature_info.issuer | .common_name | .time
    manifest[<label>]/<assertion>/actions[<i>].action
    manifest[<label>]/<assertion>/actions[<i>].digitalSourceType   (+ `.from`: the template)
    manifest[<label>]/<assertion>/actions[<i>].softwareAgent       (+ `.version`, `.from`)
    manifest[<label>]/<assertion>/actions[<i>].description
    manifest[<label>]/<assertion>/actions[<i>].parameters[<vendor key>]
    manifest[<label>]/com.adobe.generative-ai                      (+ `/description`, `/prompt`)
    manifest[<label>]/<metadata assertion>/<prefix:Name>          (stds.iptc, c2pa.metadata, …)
    manifest[<label>]/<…training-mining>/entries[<key>].use
    manifest[<label>]/c2pa.soft-binding.alg

`<assertion>` is the assertion label with `__<n>` appended for instance n. `actions[<i>]` is
the index in that assertion, and the i-th `C2paAction` of the manifest whose `assertion` equals
that label is the same action (the assessment relies on it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.extract.interface import cap
from scanner.model import C2paAction, C2paIngredient, C2paManifest, Evidence

# No count is capped here: every manifest, assertion, action, ingredient and code the SDK
# returns is read (the store's JSON is bounded by `c2pa.MAX_STORE_JSON_CHARS`, and the SDK keeps
# its own limits), so a marker cannot hide as the 257th action or the 70th ingredient. What the
# report keeps is capped later (`scanner.engine.report_caps`). Labels are cut where they name a
# field, and JSON-LD values are flattened only so deep.
MAX_LABEL_CHARS = 200
MAX_FLATTEN_DEPTH = 32

METADATA_LABELS = ("stds.iptc", "stds.iptc.photo-metadata", "c2pa.metadata", "cawg.metadata")
METADATA_KEYS = ("photoshop:Credit", "xmp:CreatorTool")
LEGACY_TRAINING_LABELS = (
    "c2pa.ai_generative_training",
    "c2pa.ai_training",
    "c2pa.ai_inference",
    "c2pa.data_mining",
)
ACTION_KEYS = ("digitalSourceType", "softwareAgent", "softwareAgentIndex", "description")


@dataclass(frozen=True)
class StoreSummary:
    manifests: tuple[C2paManifest, ...]
    evidence: tuple[Evidence, ...]
    active_manifest: str


def summarise_store(store: object) -> StoreSummary:
    """Every manifest of the store, active first then ingredients breadth-first, then the rest."""
    if not isinstance(store, dict):
        return StoreSummary((), (), "")
    raw_manifests = store.get("manifests")
    if not isinstance(raw_manifests, dict):
        raw_manifests = {}
    active = _text(store.get("active_manifest"))
    deltas = _ingredient_deltas(store)
    manifests: list[C2paManifest] = []
    evidence: list[Evidence] = []
    for label in _walk_order(active, raw_manifests):
        manifest, items = _summarise_manifest(label, raw_manifests[label], deltas)
        manifests.append(manifest)
        evidence.extend(items)
    return StoreSummary(tuple(manifests), tuple(evidence), cap(active))


def validation_codes(store: object) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(failure, informational, success) codes, unique, in first-seen order. Failures and
    informational codes come from the active manifest, the ingredient deltas and the legacy
    `validation_status` list; successes from the active manifest only (an ingredient signed by a
    trusted signer says nothing about the asset's own signer)."""
    failure: dict[str, None] = {}
    info: dict[str, None] = {}
    success: dict[str, None] = {}
    if not isinstance(store, dict):
        return (), (), ()
    results = store.get("validation_results")
    groups = []
    if isinstance(results, dict):
        groups.append(results.get("activeManifest"))
        for delta in _list(results.get("ingredientDeltas")):
            if isinstance(delta, dict):
                groups.append(delta.get("validationDeltas"))
    for i, group in enumerate(groups):
        if isinstance(group, dict):
            failure.update(dict.fromkeys(_codes(group.get("failure"))))
            info.update(dict.fromkeys(_codes(group.get("informational"))))
            if i == 0:
                success.update(dict.fromkeys(_codes(group.get("success"))))
    failure.update(dict.fromkeys(_codes(store.get("validation_status"))))
    return tuple(failure), tuple(info), tuple(success)


def _walk_order(active: str, raw: dict[str, Any]) -> list[str]:
    order: list[str] = []
    queue = deque([active] if active in raw else [])
    seen: set[str] = set()
    while queue:
        label = queue.popleft()
        if label in seen or not isinstance(raw.get(label), dict):
            continue
        seen.add(label)
        order.append(label)
        for ing in _list(raw[label].get("ingredients")):
            child = _ingredient_manifest_label(ing)
            if child and child in raw and child not in seen:
                queue.append(child)
    for label in raw:  # manifests no ingredient points at still count
        if label not in seen and isinstance(raw.get(label), dict):
            seen.add(label)
            order.append(label)
    return order


def _summarise_manifest(
    label: str, m: dict[str, Any], deltas: dict[str, tuple[str, ...]]
) -> tuple[C2paManifest, list[Evidence]]:
    root = f"manifest[{label[:MAX_LABEL_CHARS]}]"
    ev: list[Evidence] = []

    def add(field: str, value: object) -> None:
        text = _text(value)
        if text.strip():
            ev.append(Evidence("c2pa", f"{root}/{field}", text))

    claim_generator = _text(m.get("claim_generator"))
    add("claim_generator", claim_generator)
    for i, info in enumerate(_list(m.get("claim_generator_info"))):
        if isinstance(info, dict):
            add(f"claim_generator_info[{i}].name", info.get("name"))
            add(f"claim_generator_info[{i}].version", info.get("version"))
            if not claim_generator and _text(info.get("name")):
                claim_generator = " ".join(
                    p for p in (_text(info.get("name")), _text(info.get("version"))) if p
                )
    raw_sig = m.get("signature_info")
    sig: dict[str, Any] = raw_sig if isinstance(raw_sig, dict) else {}
    for key in ("issuer", "common_name", "time"):
        add(f"signature_info.{key}", sig.get(key))

    actions: list[C2paAction] = []
    labels: list[str] = []
    for a in _list(m.get("assertions")):
        if not isinstance(a, dict):
            continue
        base_label = _text(a.get("label"))[:MAX_LABEL_CHARS]
        instance = a.get("instance")
        name = f"{base_label}__{instance}" if isinstance(instance, int) and instance else base_label
        labels.append(name)
        data = a.get("data")
        if base_label.startswith("c2pa.actions") and isinstance(data, dict):
            acts, items = _actions(root, name, data)
            actions.extend(acts)
            ev.extend(items)
        elif base_label == "com.adobe.generative-ai":
            gen_ai: dict[str, Any] = data if isinstance(data, dict) else {}
            add(name, _text(gen_ai.get("description")) or "present")
            add(f"{name}/prompt", gen_ai.get("prompt"))
            add(f"{name}/version", gen_ai.get("version"))
        elif base_label in METADATA_LABELS and isinstance(data, dict):
            for key, value in list(data.items()):
                if _is_ai_metadata_key(key):
                    for v in _flatten(value):
                        add(f"{name}/{key}", v)
        elif base_label.endswith("training-mining") and isinstance(data, dict):
            entries = data.get("entries")
            if isinstance(entries, dict):
                for key, entry in list(entries.items()):
                    if isinstance(entry, dict):
                        add(f"{name}/entries[{_text(key)[:80]}].use", entry.get("use"))
        elif base_label in LEGACY_TRAINING_LABELS and isinstance(data, dict):
            add(f"{name}.use", data.get("use"))
        elif base_label == "c2pa.soft-binding" and isinstance(data, dict):
            add(f"{name}.alg", data.get("alg"))

    ingredients = tuple(
        _ingredient(label, ing, deltas)
        for ing in _list(m.get("ingredients"))
        if isinstance(ing, dict)
    )
    manifest = C2paManifest(
        label=cap(label),
        title=cap(_text(m.get("title"))),
        instance_id=cap(_text(m.get("instance_id"))),
        claim_generator=cap(claim_generator),
        signer_issuer=cap(_text(sig.get("issuer"))),
        signer_name=cap(_text(sig.get("common_name"))),
        signed_at=cap(_text(sig.get("time"))),
        actions=tuple(actions),
        ingredients=ingredients,
        assertion_labels=tuple(cap(x) for x in labels),
    )
    return manifest, ev


def _actions(
    root: str, assertion: str, data: dict[str, Any]
) -> tuple[list[C2paAction], list[Evidence]]:
    """Actions of one actions assertion (v1 or v2), templates merged in, agents resolved."""
    templates = [t for t in _list(data.get("templates")) if isinstance(t, dict)]
    agents = _list(data.get("softwareAgents"))
    actions: list[C2paAction] = []
    ev: list[Evidence] = []
    for i, raw in enumerate(_list(data.get("actions"))):
        base = f"{root}/{assertion}/actions[{i}]"

        def add(field: str, value: object, base: str = base) -> None:
            text = _text(value)
            if text.strip():
                ev.append(Evidence("c2pa", f"{base}.{field}", text))

        if not isinstance(raw, dict):
            actions.append(C2paAction(action="", assertion=assertion))  # keeps indexes aligned
            continue
        name = _text(raw.get("action"))
        merged, origin = _merge_templates(raw, name, templates)
        dst = _text(merged.get("digitalSourceType"))
        agent, agent_version, agent_origin = _agent(merged, agents)
        if agent and "softwareAgent" in origin:
            agent_origin = origin["softwareAgent"]
        raw_params = merged.get("parameters")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        adobe_dst = _text(params.get("com.adobe.digitalSourceType"))
        adobe_details = _text(params.get("com.adobe.details"))

        add("action", name)
        add("digitalSourceType", dst)
        add("digitalSourceType.from", origin.get("digitalSourceType", ""))
        add("softwareAgent", agent)
        add("softwareAgent.version", agent_version)
        add("softwareAgent.from", agent_origin)
        add("description", merged.get("description"))
        vendor = [k for k in params if isinstance(k, str) and k.startswith(("com.", "org."))]
        for key in vendor:
            if isinstance(params[key], (str, int, float)) and not isinstance(params[key], bool):
                add(f"parameters[{key[:80]}]", params[key])
        actions.append(
            C2paAction(
                action=cap(name),
                digital_source_type=cap(dst or adobe_dst),
                software_agent=cap(agent or adobe_details),
                when=cap(_text(merged.get("when"))),
                description=cap(_text(merged.get("description"))),
                assertion=assertion,
            )
        )
    return actions, ev


def _merge_templates(
    action: dict[str, Any], name: str, templates: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The action with missing keys filled from its own template, then from the `*` template.
    Returns (merged action, {key: "templates[j]"} for every key a template supplied)."""
    merged = dict(action)
    origin: dict[str, str] = {}
    ordered = [(j, t) for j, t in enumerate(templates) if t.get("action") == name]
    ordered += [(j, t) for j, t in enumerate(templates) if t.get("action") == "*"]
    for j, template in ordered:
        for key in (*ACTION_KEYS, "parameters", "when"):
            if key not in merged and key in template:
                merged[key] = template[key]
                origin[key] = f"templates[{j}]"
    return merged, origin


def _agent(action: dict[str, Any], agents: list[Any]) -> tuple[str, str, str]:
    """(name, version, where) of the software agent: a string, a {name, version} map, or an
    index into the assertion's softwareAgents list."""
    value = action.get("softwareAgent")
    where = ""
    if value is None:
        index = action.get("softwareAgentIndex")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(agents):
            value, where = agents[index], f"softwareAgents[{index}]"
    if isinstance(value, str):
        return value, "", where
    if isinstance(value, dict):
        return _text(value.get("name")), _text(value.get("version")), where
    return "", "", ""


def _ingredient(
    owner: str, ing: dict[str, Any], deltas: dict[str, tuple[str, ...]]
) -> C2paIngredient:
    codes: dict[str, None] = {}
    results = ing.get("validation_results")
    if isinstance(results, dict) and isinstance(results.get("activeManifest"), dict):
        codes.update(dict.fromkeys(_codes(results["activeManifest"].get("failure"))))
    codes.update(dict.fromkeys(_codes(ing.get("validation_status"))))
    uri = f"self#jumbf=/c2pa/{owner}/c2pa.assertions/{_text(ing.get('label'))}"
    codes.update(dict.fromkeys(deltas.get(uri, ())))
    return C2paIngredient(
        title=cap(_text(ing.get("title"))),
        relationship=cap(_text(ing.get("relationship")) or "componentOf"),
        format=cap(_text(ing.get("format"))),
        instance_id=cap(_text(ing.get("instance_id"))),
        manifest_label=cap(_ingredient_manifest_label(ing)),
        validation_codes=tuple(codes),
    )


def _ingredient_deltas(store: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    results = store.get("validation_results")
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(results, dict):
        for delta in _list(results.get("ingredientDeltas")):
            if isinstance(delta, dict) and isinstance(delta.get("validationDeltas"), dict):
                uri = _text(delta.get("ingredientAssertionURI"))
                out[uri] = tuple(_codes(delta["validationDeltas"].get("failure")))
    return out


def _ingredient_manifest_label(ing: object) -> str:
    if not isinstance(ing, dict):
        return ""
    label = _text(ing.get("active_manifest"))
    if not label and isinstance(ing.get("manifest_data"), dict):
        label = _text(ing["manifest_data"].get("identifier"))
    return label


def _is_ai_metadata_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    if key in METADATA_KEYS:
        return True
    return key.startswith("Iptc4xmpExt:") and ("DigitalSource" in key or ":AI" in key)


def _flatten(value: object, depth: int = 0) -> Iterator[str]:
    """Scalar strings inside a JSON-LD value: lists, {"@id"}, {"@value"}, language maps."""
    if depth > MAX_FLATTEN_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item, depth + 1)
    elif isinstance(value, dict):
        for key in ("@id", "@value"):
            if key in value:
                yield from _flatten(value[key], depth + 1)
                return
        for item in list(value.values()):
            yield from _flatten(item, depth + 1)


def _codes(entries: object) -> Iterable[str]:
    for entry in _list(entries):
        code = entry.get("code") if isinstance(entry, dict) else entry
        if isinstance(code, str) and code:
            yield code[:MAX_LABEL_CHARS]


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""
