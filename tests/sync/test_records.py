"""Properties of the canonical encoding and of signatures (Hypothesis), and the device key file."""

from __future__ import annotations

import json
import os
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldtool.core.records import (
    GENESIS,
    Record,
    canonical_json,
    chain_problems,
    encode_new_record,
    new_record,
    record_hash,
    to_json_value,
)
from fieldtool.errors import InputError
from fieldtool.sync import keys
from fieldtool.sync.wire import FormatError, finalisation_payload, record_from_dict, record_to_dict

KEY = keys.SigningKey.generate()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)
bodies = st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=5)


def make(body: dict[str, Any], seq: int = 1, prev: str = GENESIS) -> Record:
    return new_record(prev_hash=prev, id=f"id-{seq}", device_id="device-1", seq=seq, kind="measurement-recorded",
                      inspection_id="inspection-1", recorded_at="2025-03-14T09:30:00.000000Z", body=body)


@given(values)
def test_canonical_json_round_trips_and_is_stable(value: object) -> None:
    encoded = canonical_json(value)
    decoded = json.loads(encoded.decode("utf-8"))
    assert decoded == to_json_value(value)
    assert canonical_json(decoded) == encoded  # encoding the decoded value gives the same bytes


@given(bodies)
def test_a_record_survives_the_wire_unchanged_and_verifies(body: dict[str, Any]) -> None:
    record = make(body)
    back = record_from_dict(json.loads(canonical_json(record_to_dict(record))))
    assert back == record
    assert chain_problems([back]) == []


@given(bodies, st.sampled_from(["inspection-1", None]), st.text(max_size=12))
def test_a_new_record_is_hashed_and_stored_exactly_as_its_fields_encode(
    body: dict[str, Any], inspection_id: str | None, kind: str
) -> None:
    # new_record encodes the body once for both the hash and the stored text; both must be what
    # the canonical encoding of the fields gives, which verify recomputes from the stored text.
    record, text = encode_new_record(prev_hash="ab" * 32, id="r", device_id="d", seq=7, kind=kind,
                                     inspection_id=inspection_id, recorded_at="2025-03-14T09:30:00.000000Z", body=body)
    assert record.hash == record_hash("ab" * 32, record.fields())
    assert text == record.body_json() == canonical_json(body).decode("utf-8")


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(bodies, st.data())
def test_any_byte_changed_in_a_record_breaks_its_verification(body: dict[str, Any], data: st.DataObject) -> None:
    record = make(body)
    encoded = bytearray(canonical_json(record_to_dict(record)))
    index = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1), label="index")
    byte = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != encoded[index]), label="byte")
    encoded[index] = byte
    try:
        changed = record_from_dict(json.loads(bytes(encoded).decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, FormatError, TypeError):
        return  # unreadable: refused before any check
    assert changed != record
    assert chain_problems([changed]) != []


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=10**6), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
       st.data())
def test_any_byte_changed_in_a_signed_finalisation_breaks_the_signature(seq: int, hash_: str, data: st.DataObject) -> None:
    payload = bytearray(finalisation_payload("device-1", seq, hash_))
    signature = KEY.sign(bytes(payload))
    assert keys.valid_signature(KEY.public_key, bytes(payload), signature)
    index = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    payload[index] ^= data.draw(st.integers(min_value=1, max_value=255))
    assert not keys.valid_signature(KEY.public_key, bytes(payload), signature)


def test_the_device_key_is_made_once_readable_by_its_user_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "fieldtool" / keys.KEY_FILE
    key = keys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_or_create(path).public_key == key.public_key
    os.chmod(path, 0o644)
    with pytest.raises(InputError, match="readable by others .*chmod 600"):
        keys.load(path)
    path.write_bytes(b"not a key")
    os.chmod(path, 0o600)
    with pytest.raises(InputError, match="not a usable private key"):
        keys.load(path)


def test_records_never_take_floats() -> None:
    with pytest.raises(TypeError, match="float"):
        canonical_json({"net": 500.1})
    assert canonical_json({"b": Decimal("500.10"), "a": [1, None]}) == b'{"a":[1,null],"b":"500.10"}'


@pytest.mark.parametrize("count", [5, 300])  # one in the calling thread, one on the pool
def test_a_batch_of_signatures_is_checked_in_order_and_only_the_forged_ones_fail(count: int) -> None:
    from fieldtool.core.records import prechecked, signature_problem, signing_payload

    chain: list[Record] = []
    for seq in range(1, count + 1):
        chain.append(new_record(prev_hash=chain[-1].hash if chain else GENESIS, id=f"r{seq}", device_id="d", seq=seq,
                                kind="inspector-saved", inspection_id=None, recorded_at="2025-03-14T12:00:00Z",
                                body={"n": seq}, signer=KEY))
    forged = {2, count - 1}
    other = keys.SigningKey.generate()
    items = [(signing_payload(r.hash), other.sign(signing_payload(r.hash)) if r.seq in forged else str(r.signature))
             for r in chain]
    assert keys.valid_signatures(KEY.public_key, items) == [r.seq not in forged for r in chain]
    assert keys.valid_signatures("not hex", items) == [False] * count
    tampered = [r if r.seq not in forged else Record(**{**r.__dict__, "signature": items[r.seq - 1][1]}) for r in chain]
    valid = prechecked(KEY.public_key, tampered, keys.valid_signatures, keys.valid_signature)
    failing = [r.seq for r in tampered if signature_problem(r, KEY.public_key, 0, valid) is not None]
    assert failing == sorted(forged)
