"""The encrypted backup file format: AES-256-GCM in authenticated chunks.

No Django here. Layout (integers big-endian)::

    b"PRIORAUTH-BACKUP"  16 bytes   magic
    version               1 byte    1
    salt                 32 bytes   random; the file's own key = HKDF-SHA256(key, salt)
    key id                8 bytes   which backup key made the file (derived, not secret)
    records               4-byte length + AES-GCM ciphertext (16-byte tag included)

Record 0 is the manifest (JSON: kind, time, row counts); the rest carry the data,
at most 1 MiB of plaintext each. Only the format information above is readable
without the key. The nonce of record i is i (8 bytes), three zero bytes and a
last-record flag (the STREAM construction of Hoang, Reyhanitabar, Rogaway and
Vizár), and every record takes the plain header as associated data, so records
cannot be altered, reordered, dropped or cut off at the end unnoticed. A fresh
salt gives every file a fresh key, so counter nonces never repeat under a key.

Why not Fernet (the simpler choice): it encrypts one message held in memory, and
its base64 output is a third larger; a pg_dump of a few GB streams through here.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PRIORAUTH-BACKUP"
VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 32
KEY_ID_BYTES = 8
CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
HEADER = struct.Struct(f">{len(MAGIC)}sB{SALT_BYTES}s{KEY_ID_BYTES}s")
LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A missing or wrong key, or a backup file that is damaged or was altered."""


def generate_key() -> str:
    """A new key: 32 random bytes in URL-safe base64 (the form Fernet keys take)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupError(
            "a backup key is 32 bytes in URL-safe base64 (44 characters); "
            "make one with 'manage.py backup --generate-key'"
        )
    return key


def key_id(key: bytes) -> str:
    return _hkdf(
        key, salt=b"", info=b"priorauth-backup key id", length=KEY_ID_BYTES
    ).hex()


def _hkdf(key: bytes, *, salt: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(
        key
    )


def _nonce(index: int, last: bool) -> bytes:
    return struct.pack(">Q3xB", index, 1 if last else 0)


class EncryptedWriter:
    """Write ``manifest`` and then the bytes given to ``write()``; ``close()`` seals."""

    def __init__(self, fh: BinaryIO, key: bytes, manifest: dict[str, object]) -> None:
        salt = os.urandom(SALT_BYTES)
        self._header = HEADER.pack(MAGIC, VERSION, salt, bytes.fromhex(key_id(key)))
        self._aead = AESGCM(_hkdf(key, salt=salt, info=b"priorauth-backup v1 data"))
        self._fh = fh
        self._index = 0
        self._buffer = bytearray()
        fh.write(self._header)
        self._record(json.dumps(manifest, sort_keys=True).encode(), last=False)

    def _record(self, plaintext: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, last), plaintext, self._header)
        self._fh.write(LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Keep the tail back: the last record is only known at close().
        while len(self._buffer) > CHUNK_BYTES:
            self._record(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]

    def close(self) -> None:
        self._record(bytes(self._buffer), last=True)
        self._buffer.clear()


class EncryptedReader:
    """Check the key and read the manifest on open; ``chunks()`` yields checked data."""

    def __init__(self, fh: BinaryIO, key: bytes) -> None:
        self._fh = fh
        self._header = fh.read(HEADER.size)
        if len(self._header) != HEADER.size:
            raise BackupError("not a priorauth backup (file too short)")
        magic, version, salt, made_with = HEADER.unpack(self._header)
        if magic != MAGIC:
            raise BackupError("not a priorauth backup")
        if version != VERSION:
            raise BackupError(f"backup format {version} is not supported")
        if made_with.hex() != key_id(key):
            raise BackupError(
                f"this backup was made with the key {made_with.hex()}, "
                f"not with the given key {key_id(key)}"
            )
        self._aead = AESGCM(_hkdf(key, salt=salt, info=b"priorauth-backup v1 data"))
        self._index = 0
        manifest, last = self._next()
        if last:
            raise BackupError("the backup holds no data record")
        try:
            self.manifest: dict[str, object] = json.loads(manifest)
        except ValueError:
            raise BackupError("the backup manifest is not JSON") from None

    def _next(self) -> tuple[bytes, bool]:
        raw = self._fh.read(LENGTH.size)
        if len(raw) != LENGTH.size:
            raise BackupError("the backup is truncated")
        (length,) = LENGTH.unpack(raw)
        if not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
            raise BackupError("the backup is damaged (bad record length)")
        sealed = self._fh.read(length)
        if len(sealed) != length:
            raise BackupError("the backup is truncated")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._index, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._index += 1
            return plain, last
        raise BackupError(
            f"the backup is damaged or was altered (record {self._index} fails "
            "its authentication check)"
        )

    def chunks(self) -> Iterator[bytes]:
        while True:
            plain, last = self._next()
            if last and self._fh.read(1):
                raise BackupError("the backup has bytes after its last record")
            yield plain
            if last:
                return
