"""The studio-format rules of the catalog (issue 15), one case per rule, each on a real file
carrying the marker where its tool would write it, read by the real reader and analysis: the
evidence is exactly what the tool writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures import media, pictures, studio
from scanner.discover.media import MediaFile
from scanner.engine.analyse import AnalyseOptions, analyse
from scanner.model import AssetAnalysis
from tests.extract_helpers import media_for

PICTURE = pictures.photo(9, (96, 64))
COMFY_GRAPH = json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 20}},
                          "4": {"class_type": "CheckpointLoaderSimple", "inputs": {}}})  # fmt: skip
COMFY_WORKFLOW = json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}],
                             "links": [[1, 4, 0, 3, 0, "MODEL"]]})  # fmt: skip
A1111 = ("a lighthouse at dusk\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: "
         "7, Seed: 1234, Size: 96x64, Model: sd_xl_base_1.0")  # fmt: skip
# Generation parameters as JSON (the diffusers / HF Spaces / RuinedFooocus form): no tool-specific
# rule knows this layout; the structural detector does, in any text field of any format.
PARAMS_JSON = json.dumps({"prompt": "a lighthouse at dusk, fog", "negative_prompt": "blurry",
                          "num_inference_steps": 30, "guidance_scale": 7.0, "seed": 1234,
                          "sampler": "DPM++ 2M Karras"})  # fmt: skip
SHORT_PARAMS_JSON = '{"prompt":"lighthouse","steps":30,"cfg":7,"seed":5,"sampler":"euler"}'


def exr(attributes: dict[str, object]) -> Callable[[Path], Path]:
    return lambda folder: studio.write_exr(folder / "f.1001.exr", PICTURE, attributes)


def dpx(**fields: object) -> Callable[[Path], Path]:
    return lambda folder: studio.write_dpx(folder / "f.1001.dpx", PICTURE, **fields)


def mxf(company: str, product: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        plain = media.mxf_clip(folder / "plain.mxf", seed=53).read_bytes()
        path = folder / "master.mxf"
        path.write_bytes(studio.add_identification(plain, company, product, "1.0"))
        (folder / "plain.mxf").unlink()
        return path

    return build


def psd(layers: list[str], iptc: dict[int, str] | None = None) -> Callable[[Path], Path]:
    return lambda folder: studio.write_psd(
        folder / "keyart.psd", PICTURE, [(name, PICTURE) for name in layers], iptc=iptc
    )


def jp2(comment: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "still.jp2"
        path.write_bytes(studio.jp2_bytes(PICTURE, comment=comment))
        return path

    return build


def bwf(**bext: object) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "stem.wav"
        path.write_bytes(studio.bwf_bytes(**bext))  # type: ignore[arg-type]
        return path

    return build


# (rule id, file with the marker, meaning, generator the signal names)
CASES = [
    ("EXR-SOFTWARE-GENAI", exr({"software": "ComfyUI 0.3.10"}), "ai-generated", "ComfyUI"),
    ("EXR-SOFTWARE-UPSCALER", exr({"software": "Topaz Photo AI 3.1"}), "ai-enhanced",
     "Topaz Photo AI"),
    ("EXR-COMFYUI-GRAPH", exr({"nuke/comfy": COMFY_GRAPH}), "ai-generated", "ComfyUI"),
    ("EXR-COMFYUI-WORKFLOW", exr({"workflow": COMFY_WORKFLOW}), "ai-generated", "ComfyUI"),
    ("EXR-A1111-PARAMS", exr({"comments": A1111}), "ai-generated",
     "Stable Diffusion (AUTOMATIC1111)"),
    ("EXR-PROMPT-ATTRIBUTE", exr({"custom:prompt": "a lighthouse at dusk", "model": "FLUX.1 dev"}),
     "ai-generated", "Black Forest Labs FLUX"),
    ("EXR-TEXT-GENAI-NAME", exr({"comments": "sky replaced with a Midjourney plate"}),
     "ai-generated", "Midjourney"),
    ("DPX-CREATOR-GENAI", dpx(creator="Runway Gen-4"), "ai-generated", "Runway Gen-4"),
    ("DPX-COMFYUI-RECORD", dpx(user_data=COMFY_GRAPH.encode()), "ai-generated", "ComfyUI"),
    ("DPX-A1111-PARAMS", dpx(user_data=A1111.encode()), "ai-generated",
     "Stable Diffusion (AUTOMATIC1111)"),
    ("DPX-TEXT-GENAI-NAME", dpx(slate="sc12 Stable Diffusion test"), "ai-generated",
     "Stable Diffusion"),
    ("MXF-IDENTIFICATION-GENAI", mxf("Runway", "Runway Gen-4"), "ai-generated", "Runway Gen-4"),
    ("MXF-IDENTIFICATION-UPSCALER", mxf("Topaz Labs", "Topaz Video AI"), "ai-enhanced",
     "Topaz Labs"),
    ("MXF-TEXT-GENAI-NAME", mxf("ACME", "Bridge for Sora exports"), "ai-generated", "OpenAI Sora"),
    ("PSD-LAYER-GENERATIVE", psd(["Background", "Generative Layer 1"]), "ai-composite",
     "Adobe Firefly"),
    ("PSD-IPTC-PROGRAM-GENAI", psd(["Background"], {65: "Midjourney"}), "ai-generated",
     "Midjourney"),
    ("PSD-TEXT-GENAI-NAME", psd(["Background", "Midjourney v6 sky"]), "ai-generated", "Midjourney"),
    ("JP2-COMMENT-GENAI", jp2("Adobe Firefly Image 3"), "ai-generated", "Adobe Firefly"),
    ("JP2-TEXT-GENAI-NAME", jp2("graded; sky from DALL-E 3"), "ai-generated", "OpenAI DALL·E"),
    ("BWF-ORIGINATOR-GENAI", bwf(originator="ElevenLabs"), "ai-generated", "ElevenLabs"),
    ("BWF-CODING-HISTORY-GENAI", bwf(originator="Pro Tools",
                                     coding_history="A=PCM,F=48000,W=24,M=mono,T=Suno v4\r\n"),
     "ai-generated", "Suno v4"),
    ("BWF-TEXT-GENAI-NAME", bwf(originator="Pro Tools", description="temp VO from ElevenLabs"),
     "ai-generated", "ElevenLabs"),
    ("EXR-GENPARAMS", exr({"custom:notes": PARAMS_JSON}), "ai-generated", ""),
    ("DPX-GENPARAMS", dpx(user_data=PARAMS_JSON.encode()), "ai-generated", ""),
    ("MXF-GENPARAMS", mxf("ACME", SHORT_PARAMS_JSON), "ai-generated", ""),
    ("PSD-GENPARAMS", psd(["Background"], {120: PARAMS_JSON}), "ai-generated", ""),
    ("JP2-GENPARAMS", jp2(PARAMS_JSON), "ai-generated", ""),
    ("BWF-GENPARAMS", bwf(originator="Pro Tools", description=PARAMS_JSON), "ai-generated", ""),
]  # fmt: skip


def analysed(path: Path) -> AssetAnalysis:
    found: MediaFile = media_for(path)
    return analyse(found, AnalyseOptions(fingerprints=False))


@pytest.mark.parametrize(
    ("rule_id", "build", "meaning", "generator"), CASES, ids=[c[0] for c in CASES]
)
def test_studio_rule_fires_on_the_marker_as_written(
    tmp_path: Path, rule_id: str, build: Callable[[Path], Path], meaning: str, generator: str
) -> None:
    analysis = analysed(build(tmp_path))
    assert not analysis.unreadable and not analysis.not_inspected, analysis.problems
    signals = [s for s in analysis.assessment.signals if s.rule_id == rule_id]
    assert signals, [s.rule_id for s in analysis.assessment.signals]
    assert signals[0].meaning == meaning
    assert signals[0].generator == generator
    if signals[0].strength == "weak" or meaning == "ai-enhanced":
        assert analysis.assessment.ai == "none"  # shown, never decisive
    else:
        assert analysis.assessment.ai == ("composite" if meaning == "ai-composite" else "generated")


def test_every_studio_rule_has_a_case() -> None:
    from scanner.rules import load_catalog

    studio_sources = ("exr", "dpx", "mxf", "psd", "jp2", "bwf")
    ids = {r.id for r in load_catalog().rules if r.source in studio_sources}
    assert ids == {c[0] for c in CASES}


@pytest.mark.parametrize(
    "build",
    [
        exr({"owner": "Copyright 2026 ACME Post", "software": "Nuke 15.1v3", "comments": "v003"}),
        dpx(creator="Nuke 15.1v3", project="LIGHTHOUSE", input_device="ARRI ALEXA 35"),
        mxf("Blackmagic Design", "DaVinci Resolve"),
        psd(["Background", "Layer 1", "Curves 1"], {65: "Adobe Photoshop"}),
        jp2("Created by OpenJPEG version 2.5.4"),
        bwf(originator="Sound Devices 888", coding_history="A=PCM,F=48000,W=24,M=mono,T=888\r\n"),
    ],
    ids=["exr", "dpx", "mxf", "psd", "jp2", "bwf"],
)
def test_ordinary_studio_files_give_no_ai_signal(
    tmp_path: Path, build: Callable[[Path], Path]
) -> None:
    analysis = analysed(build(tmp_path))
    assert analysis.assessment.ai == "none" and not analysis.assessment.signals
    assert not analysis.unreadable and not analysis.not_inspected, analysis.problems
