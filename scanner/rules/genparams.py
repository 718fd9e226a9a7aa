"""Generation parameters by structure: a prompt with sampler, steps, seed or CFG settings.

Per-tool rules in the catalog match the layouts they know by exact keys and regexes; this
detector recognises the *shape* every image generator writes, whichever tool and whichever
text field it lands in (PNG text, EXIF in any IFD, XMP, JPEG COM, container tags, stealth
payloads), so a new front-end or a field moved elsewhere is still caught:

- A1111 text (AUTOMATIC1111, Forge, reForge, SD.Next, Civitai, Stability Matrix): lines of
  `key: value` pairs with `Steps: <n>`, `Sampler: <name>` and a numeric `Seed` or `CFG scale`,
  and at least three distinct keys of that vocabulary;
- a ComfyUI API graph (at least half the top-level values are nodes with `class_type` and
  `inputs`) or UI workflow (`nodes` with `type`, and `links`), also behind a `prompt:` /
  `Workflow: ` prefix (ComfyUI's WebP EXIF and custom savers);
- JSON or YAML parameters: a prompt key (or a negative-prompt key) with at least two
  generation settings (steps, sampler, scheduler, seed, CFG/guidance, denoise, checkpoint),
  keys compared case-insensitively down to two levels of nesting (SwarmUI's
  `sui_image_params`, InvokeAI 2's `image`, NovelAI's `v4_prompt`, Civitai's `extraMetadata`);
- InvokeAI 1's `Dream` command line (`"prompt" -s <steps> -S <seed> ...`);
- separate text chunks, one per key (Easy Diffusion's PNG): `detect_keys` over a source's
  field names, with at least one setting value a number.

A model name alone, a camera `Model`, a caption that mentions "steps" or "seed", or a JSON
chat export with a "prompt" key is not enough: each form needs several settings together.
The tool is named where its own keys tell it (`software`, `version`, `sui_image_params`, ...),
else left empty: the structure alone is the signal. Pure and bounded: values are only parsed
as JSON or YAML when they look like it, at most `MAX_PARSE_CHARS` of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_PARSE_CHARS = 16 * 1024 * 1024  # longer values are not parsed (readers cap them below this)
MAX_KEYS_WALKED = 20_000  # keys looked at in one parsed value
MAX_DREAM_CHARS = 64 * 1024  # a Dream command line is one line
DETECTOR = "generation-parameters"
KEYS_DETECTOR = "generation-parameter-keys"
DETECTORS = (DETECTOR, KEYS_DETECTOR)

PROMPT_KEYS = frozenset(
    {"prompt", "positive_prompt", "positiveprompt", "c", "full_prompt", "caption", "base_caption"}
)
NEGATIVE_KEYS = frozenset(
    {"negative_prompt", "negativeprompt", "uc", "negative", "full_negative_prompt"}
)
SETTING_KEYS = frozenset(
    {
        "steps", "num_inference_steps", "sampler", "sampler_name", "scheduler", "seed", "cfg",
        "cfg_scale", "cfgscale", "guidance_scale", "denoise", "denoising_strength",
        "noise_schedule", "use_stable_diffusion_model", "ckpt_name", "model_hash",
        "base_model_hash", "comfyuisampler", "autowebuisampler",
    }
)  # fmt: skip
_A1111_KEYS = re.compile(
    r"(?:^|, )(Steps|Sampler|Schedule type|CFG scale|Distilled CFG Scale|Seed|Size|Model hash|"
    r"Model|VAE|VAE hash|Denoising strength|Clip skip|Version|Hires upscale|Hires steps|"
    r"Hires upscaler|Lora hashes|TI hashes|App|Civitai resources|RNG|ENSD|Eta): ",
    re.MULTILINE,
)
_A1111_STEPS = re.compile(r"(?:^|, )Steps: \d{1,4}(?:,|$)", re.MULTILINE)
_A1111_SAMPLER = re.compile(r"(?:^|, )Sampler: [^,\n]+", re.MULTILINE)
_A1111_SEED_OR_CFG = re.compile(
    r"(?:^|, )(?:Seed: \d+|CFG scale: \d+(?:\.\d+)?)(?:,|$)", re.MULTILINE
)
_GRAPH_PREFIX = re.compile(r"^\s*(?:prompt|workflow|parameters)\s*:\s*(?=[\[{])", re.IGNORECASE)
_DREAM = re.compile(r'^"[^"\n]*"(?:\s+-[A-Za-z]+(?:\s+[^\s-]\S*)*)*\s*$')
_DREAM_STEPS = re.compile(r"\s-s\s*\d+")
_DREAM_SEED = re.compile(r"\s-S\s*\d+")
_YAML_LINE = re.compile(r"^[A-Za-z_][\w ]{0,40}:\s", re.MULTILINE)
_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")


@dataclass(frozen=True)
class Detection:
    """Generation parameters were found: in which form, and the tool when it can be told."""

    layout: str  # a1111-text | comfyui-graph | comfyui-workflow | json | yaml | dream | keys
    tool: str = ""


def detect(field: str, value: str) -> Detection | None:
    """Generation parameters in one text value, or None."""
    text = value.strip().rstrip("\x00").strip()
    if len(text) < 16:
        return None
    parsed = _parse_structured(text)
    if isinstance(parsed, dict):
        return _from_mapping(field, parsed, "json" if text.lstrip().startswith("{") else "yaml")
    if _is_a1111_text(text):
        return Detection("a1111-text", _a1111_tool(text))
    if _is_dream(text):
        return Detection("dream", "InvokeAI")
    return None


def _is_a1111_text(text: str) -> bool:
    return bool(
        _A1111_STEPS.search(text)
        and _A1111_SAMPLER.search(text)
        and _A1111_SEED_OR_CFG.search(text)
        and len(set(_A1111_KEYS.findall(text))) >= 3
    )


def _is_dream(text: str) -> bool:
    return bool(
        len(text) <= MAX_DREAM_CHARS
        and text.startswith('"')
        and _DREAM.match(text)
        and _DREAM_STEPS.search(text)
        and _DREAM_SEED.search(text)
    )


def detect_keys(fields: Mapping[str, str]) -> Detection | None:
    """Generation parameters spread over fields of one source, one key each (Easy Diffusion
    writes `prompt`, `seed`, `num_inference_steps`, ... as separate PNG text chunks)."""
    keys = {_key(name): value for name, value in fields.items()}
    settings = [k for k in keys if k in SETTING_KEYS]
    if not (keys.keys() & PROMPT_KEYS or keys.keys() & NEGATIVE_KEYS) or len(settings) < 2:
        return None
    if not any(_NUMBER.match(keys[k]) for k in settings):
        return None
    tool = "Easy Diffusion" if "use_stable_diffusion_model" in keys else ""
    return Detection("keys", tool)


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _parse_structured(text: str) -> object:
    """The value as a JSON object (after a ComfyUI-style `prompt:` prefix) or a YAML mapping
    of several `key: value` lines; None when it is neither or too big to parse."""
    body = _GRAPH_PREFIX.sub("", text, count=1)
    if len(body) > MAX_PARSE_CHARS:
        return None
    if body.startswith("{"):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return None
    if "\n" in body and len(_YAML_LINE.findall(body)) >= 3 and not _A1111_STEPS.search(body):
        return _simple_yaml(body)
    return None


def _simple_yaml(text: str) -> dict[str, str] | None:
    """Top-level `key: value` lines of a YAML document (what generators write: flat maps).
    Not a YAML parser: nested values are skipped, nothing is evaluated."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-":
            continue
        key, sep, rest = line.partition(":")
        if sep and key.strip() and len(key) <= 40 and rest[:1] in (" ", ""):
            found[key.strip()] = rest.strip().strip("'\"")
    return found if len(found) >= 3 else None


def _from_mapping(field: str, data: dict[Any, Any], layout: str) -> Detection | None:
    nodes = [v for v in data.values() if isinstance(v, dict)]
    graph_nodes = sum(1 for v in nodes if "class_type" in v and isinstance(v.get("inputs"), dict))
    if graph_nodes and graph_nodes * 2 >= len(data):
        return Detection("comfyui-graph", "ComfyUI")
    raw_nodes = data.get("nodes")
    if (
        isinstance(raw_nodes, list)
        and "links" in data
        and any(isinstance(n, dict) and "type" in n for n in raw_nodes[:50])
    ):
        return Detection("comfyui-workflow", "ComfyUI")
    keys = _keys(data)
    if not (keys & PROMPT_KEYS or keys & NEGATIVE_KEYS) or len(keys & SETTING_KEYS) < 2:
        return None
    return Detection(layout, _json_tool(field, data, keys))


def _keys(data: dict[Any, Any]) -> set[str]:
    """Lower-cased keys of the mapping and of mappings nested up to two levels below it (also
    JSON objects held as strings one level down: Civitai's `extraMetadata`)."""
    found: set[str] = set()
    stack: list[tuple[dict[Any, Any], int]] = [(data, 0)]
    walked = 0
    while stack and walked < MAX_KEYS_WALKED:
        mapping, depth = stack.pop()
        for key, value in list(mapping.items())[: MAX_KEYS_WALKED - walked]:
            walked += 1
            if not isinstance(key, str):
                continue
            found.add(key.lower())
            if depth >= 2:
                continue
            if isinstance(value, dict):
                stack.append((value, depth + 1))
            elif isinstance(value, str) and value.startswith("{") and depth == 0:
                nested = _loads_small(value)
                if isinstance(nested, dict):
                    stack.append((nested, depth + 1))
    return found


def _loads_small(text: str) -> object:
    if len(text) > 1024 * 1024:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _a1111_tool(text: str) -> str:
    if re.search(r"(?:^|, )App: SD\.Next\b", text, re.MULTILINE):
        return "SD.Next"
    if re.search(r"(?:^|, )Version: neo", text, re.MULTILINE):
        return "Stable Diffusion WebUI Forge Neo"
    if re.search(r"(?:^|, )Version: f\d", text, re.MULTILINE):
        return "Stable Diffusion WebUI Forge"
    if "Civitai resources: " in text or "Civitai metadata: " in text:
        return "Civitai"
    return "Stable Diffusion (AUTOMATIC1111)"


_FIELD_TOOLS = {
    "generation_data": "TensorArt",
    "parameters-json": "Stability Matrix",
    "smproj": "Stability Matrix",
    "extrametadata": "Civitai",
    "sd-metadata": "InvokeAI",
    "invokeai_metadata": "InvokeAI",
}


def _json_tool(field: str, data: dict[Any, Any], keys: set[str]) -> str:
    software = str(data.get("software") or data.get("Software") or "")
    version = str(data.get("version") or "")
    app = str(data.get("app_id") or "")
    if "ruinedfooocus" in software.lower():
        return "RuinedFooocus"
    if version.startswith("Fooocus") or "fooocus" in software.lower():
        return "Fooocus"
    if "novelai" in software.lower():
        return "NovelAI"
    if "sui_image_params" in keys:
        return "SwarmUI"
    if "invoke" in app.lower() or "generation_mode" in keys:
        return "InvokeAI"
    if "use_stable_diffusion_model" in keys:
        return "Easy Diffusion"
    if "uc" in keys and ("signed_hash" in keys or "noise_schedule" in keys or "v4_prompt" in keys):
        return "NovelAI"
    if {"c", "uc", "scale"} <= keys:
        return "Draw Things"
    if "positiveprompt" in keys and "cfgscale" in keys:
        return "Stability Matrix"
    if "civitai" in keys or "resource-stack" in keys:
        return "Civitai"
    if "style_preset" in keys or ("resolution" in keys and "model hash" in keys):
        return "Hugging Face Space (diffusers)"
    return _FIELD_TOOLS.get(field.rsplit("/", 1)[-1].lower(), "") or software.strip()[:80]
