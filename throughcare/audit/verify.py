"""Checking the audit trail: every entry's content, every link, every signed checkpoint."""

from __future__ import annotations

import datetime as dt
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from throughcare.audit import chain
from throughcare.audit.models import ZERO_HASH, AuditCheckpoint, AuditEntry


@dataclass
class Report:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(external: list[dict] | None = None) -> Report:
    """Every content hash, every link of every chain (lane), every checkpoint (decision 0018).

    Lane NULL is the single chain (SQLite; PostgreSQL before lanes), starting from zeros; a lane starts
    from the single chain's last entry, so losing that entry shows too.
    """
    report = Report()
    prev: dict[int | None, str] = {None: ZERO_HASH}
    chain_at: dict[int, tuple[int | None, str]] = {}
    last_seq: dict[int | None, int] = {}
    fields = ["seq", *AuditEntry.CONTENT_FIELDS, "content_hash", "prev_hash", "chain_hash", "lane"]
    for row in AuditEntry.objects.order_by("seq").values(*fields).iterator(chunk_size=5000):
        report.entries += 1
        seq, lane = row["seq"], row["lane"]
        if chain.content_hash(row) != row["content_hash"]:
            report.problems.append(f"entry {seq}: content was edited")
        if row["prev_hash"] != prev.setdefault(lane, prev[None]):
            report.problems.append(f"entry {seq}: the entry before it was deleted, inserted or moved")
        if chain.link(row["prev_hash"], row["content_hash"], seq, lane) != row["chain_hash"]:
            report.problems.append(f"entry {seq}: chain hash does not match")
        prev[lane] = row["chain_hash"]
        chain_at[seq] = (lane, row["chain_hash"])
        last_seq[lane] = seq
    checkpoints = [
        {"seq": c.seq, "chain_hash": c.chain_hash, "created_at": c.created_at, "signature": c.signature,
         "heads": c.heads}
        for c in AuditCheckpoint.objects.order_by("seq")
    ] + list(external or [])
    for checkpoint in checkpoints:
        report.checkpoints += 1
        expected = chain.sign_checkpoint(checkpoint["seq"], checkpoint["chain_hash"], checkpoint["created_at"])
        if not hmac.compare_digest(expected, checkpoint["signature"]):
            report.problems.append(f"checkpoint at entry {checkpoint['seq']}: signature does not match")
            continue
        heads = checkpoint.get("heads")
        if heads is None:  # written before lanes: the single chain's hash at seq
            heads = [[None, checkpoint["seq"], checkpoint["chain_hash"]]]
        elif chain.heads_digest(heads) != checkpoint["chain_hash"]:
            report.problems.append(f"checkpoint at entry {checkpoint['seq']}: its chain heads were altered")
            continue
        for lane, seq, chain_hash in heads:
            if seq > last_seq.get(lane, 0):
                report.problems.append(f"checkpoint at entry {checkpoint['seq']}: entries after "
                                       f"{last_seq.get(lane, 0)} were truncated")
            elif chain_at.get(seq) != (lane, chain_hash):
                report.problems.append(f"checkpoint at entry {checkpoint['seq']}: the chain there differs "
                                       "(rewritten or deleted)")
    return report


def export_checkpoint(checkpoint: AuditCheckpoint, path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"seq": checkpoint.seq, "chain_hash": checkpoint.chain_hash,
                                 "created_at": checkpoint.created_at.isoformat(),
                                 "signature": checkpoint.signature, "heads": checkpoint.heads}) + "\n")


def load_checkpoints(path: Path) -> list[dict]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            item["created_at"] = dt.datetime.fromisoformat(item["created_at"])
            items.append(item)
    return items
