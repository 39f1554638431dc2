"""Durable feedback and knowledge gaps (SQLite under the data dir).

Every answer shown can be rated 👍/👎 with an optional comment; refused questions are logged too, so
staff can see what users asked that the documents do not answer.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from rag.sanitize import clean_input, csv_safe

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    mode TEXT NOT NULL,
    refused INTEGER NOT NULL,
    rating INTEGER NOT NULL DEFAULT 0,   -- 1 = 👍, -1 = 👎, 0 = not rated (a logged answer)
    comment TEXT NOT NULL DEFAULT '',
    filters TEXT NOT NULL DEFAULT '',    -- the filters the question was asked under, as shown to staff
    turn INTEGER NOT NULL DEFAULT 0      -- which question of its conversation (1 = the first)
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback(created);
"""
ADDED_COLUMNS = {"filters": "TEXT NOT NULL DEFAULT ''", "turn": "INTEGER NOT NULL DEFAULT 0"}  # since v0.x
COLUMNS = ["时间", "问题", "答复", "是否未能回答", "评价", "意见", "模式", "筛选", "第几问", "出处"]
MODE_LABEL = {"extractive": "离线摘录", "llm": "大模型"}
FILTER_LABEL = {"regions": "地区", "industries": "行业", "docs": "文件"}
MAX_STORED_CHARS = 2000  # of a question or comment: what is processed is all that is kept
class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(feedback)")}
        for column, kind in ADDED_COLUMNS.items():  # a log written by an earlier version keeps its rows
            if column not in present:
                self._db.execute(f"ALTER TABLE feedback ADD COLUMN {column} {kind}")

    def record(self, question: str, answer: dict[str, Any], filters: dict[str, Any] | None = None,
               turn: int = 0) -> int | None:
        """Log an answer as shown, with the filters it was asked under and its place in the conversation;
        returns its id (None if the write failed: the user still sees it)."""
        shown = "；".join(f"{FILTER_LABEL.get(k, k)}：{'、'.join(map(str, v))}"
                         for k, v in (filters or {}).items() if v)
        cites = [f"{c['doc']}#{c['start']}-{c['end']}" for c in answer.get("citations", [])]
        try:
            with self._lock:
                cur = self._db.execute(
                    "INSERT INTO feedback(created, question, answer, citations, mode, refused, filters, turn) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (time.time(), clean_input(question).strip()[:MAX_STORED_CHARS], answer.get("answer", ""),
                     json.dumps(cites), answer.get("mode", ""), int(bool(answer.get("refused"))),
                     clean_input(shown)[:MAX_STORED_CHARS], int(turn)),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.Error as exc:
            log.error("could not record an answer in %s: %s", self.path, exc)
            return None

    def rate(self, entry_id: int, rating: int, comment: str = "") -> bool:
        try:
            with self._lock:
                cur = self._db.execute(
                    "UPDATE feedback SET rating=?, comment=CASE WHEN ?='' THEN comment ELSE ? END WHERE id=?",
                    (1 if rating > 0 else -1, comment, clean_input(comment).strip()[:MAX_STORED_CHARS], entry_id),
                )
                return cur.rowcount == 1
        except sqlite3.Error as exc:
            log.error("could not store feedback in %s: %s", self.path, exc)
            return False

    def comment(self, entry_id: int, comment: str) -> bool:
        try:
            with self._lock:
                cur = self._db.execute("UPDATE feedback SET comment=? WHERE id=?",
                                       (clean_input(comment).strip()[:MAX_STORED_CHARS], entry_id))
                return cur.rowcount == 1
        except sqlite3.Error as exc:
            log.error("could not store a comment in %s: %s", self.path, exc)
            return False

    def gaps(self, limit: int = 500) -> list[list[Any]]:
        """Refused questions and 👎 answers, newest first: what the documents or the bot miss."""
        with self._lock:
            rows = self._db.execute(
                "SELECT created, question, answer, refused, rating, comment, mode, filters, turn, citations "
                "FROM feedback WHERE refused=1 OR rating<0 ORDER BY created DESC, id DESC LIMIT ?", (limit,),
            ).fetchall()
        return [
            [time.strftime("%Y-%m-%d %H:%M", time.localtime(r[0])), r[1], r[2], "是" if r[3] else "否",
             {1: "👍", -1: "👎"}.get(r[4], ""), r[5], MODE_LABEL.get(r[6], r[6]), r[7], r[8] or "",
             " ".join(json.loads(r[9]))]
            for r in rows
        ]

    def gaps_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(COLUMNS)
        writer.writerows([csv_safe(cell) for cell in row] for row in self.gaps(limit=100_000))
        return "\ufeff" + buf.getvalue()  # BOM: Excel opens the Chinese text correctly

    def close(self) -> None:
        with self._lock:
            self._db.close()
