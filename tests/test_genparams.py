"""The structural generation-parameter detector: every layout public parsers document, and the
texts that merely mention a prompt, a seed or steps. Then real files built as the generators
write them, read by the real extractors, and the corpus's no-AI files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.ca import make_ca
from fixtures.heldout import HELD_OUT, build_heldout
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.model import Evidence
from scanner.rules import signals_for
from scanner.rules.genparams import detect, detect_keys
from tests.extract_helpers import media_for

COMFY_API = {
    "3": {"inputs": {"seed": 1, "steps": 20, "model": ["4", 0]}, "class_type": "KSampler"},
    "4": {"inputs": {"ckpt_name": "sdxl.safetensors"}, "class_type": "CheckpointLoaderSimple"},
}
COMFY_UI = {
    "last_node_id": 9,
    "nodes": [{"id": 3, "type": "KSampler"}],
    "links": [],
    "version": 0.4,
}

# (name, value, layout, tool) - the layouts of sd-parsers, stable-diffusion-prompt-reader and
# enslo/sd-metadata (fixtures/heldout.py names the sources)
POSITIVES = [
    ("A1111", "a duck\nNegative prompt: mono\nSteps: 15, Sampler: UniPC, CFG scale: 5, Seed: 2352, "
     "Size: 512x400, Model hash: c0d1994c73, Model: realisticVision", "a1111-text",
     "Stable Diffusion (AUTOMATIC1111)"),
    ("A1111 without a prompt", "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512",
     "a1111-text", "Stable Diffusion (AUTOMATIC1111)"),
    ("Forge Flux", "a fox\nSteps: 20, Sampler: Euler, Schedule type: Simple, CFG scale: 1, "
     "Distilled CFG Scale: 3.5, Seed: 42, Size: 896x1152, Model hash: 275ef623d3, "
     "Version: f2.0.1v1.10.1-previous-519-g44eb4ea8", "a1111-text", "Stable Diffusion WebUI Forge"),
    ("Forge Neo", "a fox\nSteps: 20, Sampler: Euler, CFG scale: 1, Seed: 42, Size: 896x1152, "
     "Version: neo-2.1", "a1111-text", "Stable Diffusion WebUI Forge Neo"),
    ("SD.Next", "a cat\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 6, Seed: 7, Size: 1024x1024, "
     "App: SD.Next, Version: 1a2b3c", "a1111-text", "SD.Next"),
    ("Civitai", "a cat\nNegative prompt: bad\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, "
     'Seed: 1, Size: 832x1216, Civitai resources: [{"type":"checkpoint"}]', "a1111-text",
     "Civitai"),
    ("Fooocus", json.dumps({"prompt": "a goldfish", "negative_prompt": "", "steps": 30,
     "sampler": "dpmpp_2m_sde_gpu", "seed": "69", "base_model": "juggernautXL",
     "version": "Fooocus v2.4.3"}), "json", "Fooocus"),
    ("RuinedFooocus", json.dumps({"Prompt": "a cat", "Negative": "", "steps": 30, "cfg": 7,
     "seed": 1, "sampler_name": "euler", "base_model_name": "sdxl", "software": "RuinedFooocus"}),
     "json", "RuinedFooocus"),
    ("InvokeAI 3", json.dumps({"generation_mode": "sdxl_txt2img", "positive_prompt": "art",
     "negative_prompt": "", "seed": 1, "cfg_scale": 8.0, "steps": 35, "scheduler": "euler",
     "model": {"name": "sdxl"}}), "json", "InvokeAI"),
    ("InvokeAI 2 sd-metadata", json.dumps({"model": "stable diffusion", "app_id":
     "invoke-ai/InvokeAI", "image": {"prompt": [{"prompt": "a", "weight": 1.0}], "steps": 50,
     "cfg_scale": 5, "seed": 1, "sampler": "k_lms"}}), "json", "InvokeAI"),
    ("InvokeAI Dream", '"photo of a house [blurry]" -s 50 -S 2980747362 -W 512 -H 768 -C 5.0 '
     "-A k_lms", "dream", "InvokeAI"),
    ("NovelAI Comment", json.dumps({"prompt": "cat", "steps": 28, "sampler": "k_euler", "seed": 1,
     "scale": 5.0, "uc": "lowres", "signed_hash": "abc"}), "json", "NovelAI"),
    ("SwarmUI", json.dumps({"sui_image_params": {"prompt": "a cat", "negativeprompt": "",
     "model": "sdxl", "seed": 1, "steps": 20, "cfgscale": 7}}), "json", "SwarmUI"),
    ("ComfyUI API graph", json.dumps(COMFY_API), "comfyui-graph", "ComfyUI"),
    ("ComfyUI WebP Model", "prompt:" + json.dumps(COMFY_API), "comfyui-graph", "ComfyUI"),
    ("ComfyUI saver, capitalised", "Prompt: " + json.dumps(COMFY_API), "comfyui-graph", "ComfyUI"),
    ("ComfyUI workflow", "Workflow: " + json.dumps(COMFY_UI), "comfyui-workflow", "ComfyUI"),
    ("TensorArt", json.dumps({"prompt": "a", "negativePrompt": "", "seed": "1", "steps": 25,
     "cfgScale": 7, "baseModel": {"modelFileName": "x"}}) + "\x00\x00", "json", ""),
    ("Stability Matrix", json.dumps({"PositivePrompt": "a", "NegativePrompt": "", "Seed": 1,
     "Steps": 20, "CfgScale": 7, "Sampler": "euler", "ModelName": "m"}), "json",
     "Stability Matrix"),
    ("Draw Things", json.dumps({"c": "a cat", "uc": "", "model": "sd_xl_base_1.0_f16.ckpt",
     "sampler": "DPM++ 2M Karras", "seed": 1, "scale": 5, "steps": 30}), "json", "Draw Things"),
    ("Easy Diffusion", json.dumps({"prompt": "a", "negative_prompt": "", "seed": 1,
     "use_stable_diffusion_model": "sd-v1-5", "sampler_name": "euler",
     "num_inference_steps": 25, "guidance_scale": 7.5}), "json", "Easy Diffusion"),
    ("HF Space", json.dumps({"prompt": "a", "negative_prompt": "", "resolution": "832 x 1216",
     "guidance_scale": 7, "num_inference_steps": 28, "seed": 1, "sampler": "Euler a",
     "Model": "Animagine XL 3.1", "Model hash": "e3c47aedb0"}), "json",
     "Hugging Face Space (diffusers)"),
    ("Civitai extraMetadata in a graph", json.dumps({"extraMetadata": json.dumps({"prompt": "a",
     "negativePrompt": "", "cfgScale": 3.5, "sampler": "Euler", "steps": 25, "seed": 5})}),
     "json", ""),
    ("YAML", "prompt: a red fox\nnegative_prompt: blurry\nsteps: 30\nsampler: euler_a\n"
     "seed: 1234\ncfg_scale: 7\n", "yaml", ""),
]  # fmt: skip

# Texts from cameras, stock agencies, apps and people that merely mention prompts or settings
NEGATIVES = [
    "Prompt: Steps to success. Sampler plate from the bakery, seed bread.",
    "Seed: tomato, Size: 12cm, Steps: 3",
    "Seed: tomato, Size: 12cm, Steps: 3, Sampler: mixed box",
    "Steps: 1, Mix flour. Steps: 2, bake",
    "We took 12 steps. Sampler: none. Seed: n/a.",
    "Steps: 20 to the lighthouse, Model: Jane, Size: XL",
    "Canon EOS R5",
    "Created with GIMP",
    "2023-04-22T00:01:01+00:00",
    "The director's prompt for this scene: seed the doubt, take three steps back, sampler of "
    "moods. CFG: none.",
    json.dumps({"prompt": "Save changes?", "buttons": ["Yes", "No"]}),
    json.dumps({"model": "ILCE-7M4", "lens": "FE 24-70"}),
    json.dumps({"prompt": "Describe this photo", "model": "gpt-4o"}),
    json.dumps({"entries": {"c2pa.ai_generative_training": {"use": "notAllowed"}}}),
    json.dumps({"caption": "Harbour at dawn", "model": "iPhone 15 Pro", "scale": 2}),
    "title: Harbour\nphotographer: J. Doe\nprompt: none\nlocation: Bergen\n",
    '"quoted title" -s',
    "{" * 100_000,  # deeply nested JSON: not parsed past Python's recursion limit, no crash
]


@pytest.mark.parametrize(
    ("name", "value", "layout", "tool"), POSITIVES, ids=[p[0] for p in POSITIVES]
)
def test_every_documented_layout_is_detected(name, value, layout, tool):
    found = detect("parameters", value)
    assert found is not None, name
    assert (found.layout, found.tool) == (layout, tool)


@pytest.mark.parametrize("value", NEGATIVES, ids=range(len(NEGATIVES)))
def test_texts_that_only_mention_prompts_are_not_parameters(value):
    assert detect("Description", value) is None
    for source, field in (("exif", "ImageDescription"), ("xmp", "dc:description"),
                          ("png-text", "Comment"), ("container", "comment")):  # fmt: skip
        hits = [s for s in signals_for([Evidence(source, field, value)]) if s.strength != "weak"]
        assert hits == [], (source, hits)


def test_the_field_names_the_tool_when_the_value_cannot():
    tensorart = dict(prompt="a", negativePrompt="", seed="1", steps=25, cfgScale=7)
    assert detect("generation_data", json.dumps(tensorart)).tool == "TensorArt"
    assert detect("parameters-json", json.dumps(tensorart)).tool == "Stability Matrix"
    assert detect("Comment", json.dumps(tensorart)).tool == ""


def test_keys_spread_over_fields_need_a_prompt_and_numeric_settings():
    easy = {"prompt": "a cat", "seed": "42", "num_inference_steps": "25", "sampler_name": "euler"}
    assert detect_keys(easy) is not None
    assert detect_keys({**easy, "use_stable_diffusion_model": "sd-v1-5"}).tool == "Easy Diffusion"
    assert detect_keys({"Prompt": "a", "Seed": "1", "Steps": "20"}) is not None  # capitalised
    assert detect_keys({"seed": "42", "steps": "25", "sampler": "euler"}) is None  # no prompt
    assert detect_keys({"prompt": "a", "seed": "tomato", "steps": "three"}) is None
    assert detect_keys({"Title": "x", "Software": "GIMP", "Comment": "prompt"}) is None


def test_per_tool_rules_win_and_the_structure_is_the_fallback():
    a1111 = POSITIVES[0][1]
    ids = {s.rule_id for s in signals_for([Evidence("png-text", "parameters", a1111)])}
    assert ids == {"PNG-A1111-PARAMS"}
    moved = {s.rule_id for s in signals_for([Evidence("png-text", "sd_params", a1111)])}
    assert moved == {"PNG-GENPARAMS"}


# --- real files, as the generators write them ----------------------------------------------


@pytest.fixture(scope="module")
def heldout(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("heldout")
    build_heldout(folder, make_ca())
    return folder


LAYOUT_FILES = [h for h in HELD_OUT if h.cls in ("json-params", "exif-comfyui", "comment")]
TRAP_FILES = [h for h in HELD_OUT if h.cls == "trap" and h.name.endswith((".jpg", ".png"))]


@pytest.mark.parametrize("item", LAYOUT_FILES, ids=[h.name for h in LAYOUT_FILES])
def test_generator_files_read_as_generated(heldout: Path, item) -> None:
    analysis = analyse(media_for(heldout / item.name), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.ai == "generated", analysis.assessment.signals
    assert not analysis.problems


def test_comfyui_graph_in_ifd0_user_comment_is_read_from_exif(heldout: Path) -> None:
    analysis = analyse(media_for(heldout / "exif/comfy_ifd0_usercomment.jpg"))
    found = [(s.rule_id, s.source, s.field, s.generator) for s in analysis.assessment.signals]
    assert ("EXIF-GENPARAMS", "exif", "UserComment", "ComfyUI") in found


def test_capitalised_prompt_and_workflow_prefixes_in_webp_exif(heldout: Path) -> None:
    analysis = analyse(media_for(heldout / "exif/comfy_save_extended.webp"))
    fields = {s.field for s in analysis.assessment.signals if s.rule_id == "EXIF-GENPARAMS"}
    assert fields == {"Make", "ImageDescription"}


def test_jpeg_comment_is_evidence(heldout: Path) -> None:
    analysis = analyse(media_for(heldout / "comment/fooocus_mre.jpg"))
    assert [(e.source, e.field) for e in analysis.evidence if e.source == "comment"] == [
        ("comment", "COM")
    ]
    assert {s.rule_id for s in analysis.assessment.signals} == {"COMMENT-GENPARAMS"}


@pytest.mark.parametrize("item", TRAP_FILES, ids=[h.name for h in TRAP_FILES])
def test_ordinary_files_that_mention_prompts_are_not_ai(heldout: Path, item) -> None:
    analysis = analyse(media_for(heldout / item.name), AnalyseOptions(fingerprints=False))
    assert analysis.assessment.ai == "none", analysis.assessment.signals
    deciding = [s for s in analysis.assessment.signals if s.meaning.startswith("ai-")]
    assert deciding == []


def test_provscan_rules_lists_the_structural_stealth_and_rubric_rules():
    from click.testing import CliRunner

    from scanner.cli import cli

    output = CliRunner().invoke(cli, ["rules"]).output
    new_rules = ("PNG-GENPARAMS", "PNG-GENPARAMS-KEYS", "EXIF-GENPARAMS", "XMP-GENPARAMS",
                 "CONTAINER-GENPARAMS", "COMMENT-GENPARAMS", "STEALTH-GENPARAMS",
                 "STEALTH-SIGNATURE", "C2PA-RUBRIC-POSSIBLY-GENAI",
                 "C2PA-RUBRIC-GENAI")  # fmt: skip
    for rule in new_rules:
        assert f"\n{rule} " in output, rule
