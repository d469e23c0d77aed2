"""Reads an Arrow IPC stream file with pyarrow and prints it as JSON, for the interop test.

Values follow Array.to_pylist() in shape, but exact: integers, timestamps and durations
are printed as decimal strings (JSON numbers would lose 64-bit precision and to_pylist
would turn nanosecond timestamps into datetimes), bytes as hex, dictionaries decoded.
"""
import json
import sys

import pyarrow as pa
import pyarrow.ipc as ipc


def meta(m):
    return None if not m else {k.decode(): v.decode() for k, v in m.items()}


def field_json(f):
    out = {"name": f.name, "type": str(f.type), "nullable": f.nullable, "metadata": meta(f.metadata)}
    t = f.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_struct(t):
        out["children"] = [field_json(t.field(i)) for i in range(t.num_fields)]
    elif pa.types.is_list(t):
        out["children"] = [field_json(t.value_field)]
    return out


def values(arr):
    t = arr.type
    if pa.types.is_dictionary(t):
        return values(arr.dictionary_decode())
    nulls = arr.is_null().to_pylist()
    if pa.types.is_struct(t):
        cols = [values(arr.field(i)) for i in range(t.num_fields)]
        names = [t.field(i).name for i in range(t.num_fields)]
        return [None if nulls[r] else {n: c[r] for n, c in zip(names, cols)} for r in range(len(arr))]
    if pa.types.is_list(t):
        offsets = arr.offsets.to_pylist()
        items = values(arr.values)
        return [None if nulls[r] else items[offsets[r]:offsets[r + 1]] for r in range(len(arr))]
    if pa.types.is_timestamp(t) or pa.types.is_duration(t):
        arr = arr.view(pa.int64())
        t = arr.type
    plain = arr.to_pylist()
    if pa.types.is_integer(t):
        return [None if v is None else str(v) for v in plain]
    if pa.types.is_binary(t) or pa.types.is_fixed_size_binary(t):
        return [None if v is None else v.hex() for v in plain]
    return plain


def main(path):
    with open(path, "rb") as fh:
        reader = ipc.open_stream(fh)
        schema = reader.schema
        batches = []
        for batch in reader:
            batch.validate(full=True)
            cols = {schema.field(i).name: values(batch.column(i)) for i in range(batch.num_columns)}
            batches.append({"num_rows": batch.num_rows, "columns": cols})
    print(json.dumps({
        "schema": {"fields": [field_json(f) for f in schema], "metadata": meta(schema.metadata)},
        "batches": batches,
    }))




def write_sample(path, compression):
    """Writes a stream like OTAP producers do: dictionaries that grow (deltas), nested
    dictionaries, nulls, zero-row batches; `compression` is 'zstd' or 'none'."""
    opts = ipc.IpcWriteOptions(emit_dictionary_deltas=True, compression=None if compression == "none" else compression)
    key_type = pa.dictionary(pa.uint16(), pa.string())
    schema = pa.schema(
        [
            pa.field("id", pa.uint16(), nullable=False),
            pa.field("key", key_type, metadata={"dictId": "0"}),
            pa.field("ts", pa.timestamp("ns", tz="UTC")),
            pa.field("dur", pa.duration("ns")),
            pa.field("trace", pa.binary(16)),
            pa.field("flag", pa.bool_()),
            pa.field("num", pa.float64()),
            pa.field("bytes", pa.binary()),
            pa.field("res", pa.struct([pa.field("name", pa.dictionary(pa.uint8(), pa.string())), pa.field("n", pa.int64())])),
            pa.field("ints", pa.list_(pa.int32())),
        ],
        metadata={"sorting_columns": "id"},
    )
    words = [f"w{k}" for k in range(40)]
    with open(path, "wb") as fh, ipc.new_stream(fh, schema, options=opts) as writer:
        for step, rows in enumerate([5, 0, 7, 7, 30]):
            dict_len = 3 + step * 2
            keys = pa.DictionaryArray.from_arrays(
                pa.array([None if r % 4 == 3 else (r * 7) % dict_len for r in range(rows)], pa.uint16()),
                pa.array(words[:dict_len]),
            )
            names = pa.DictionaryArray.from_arrays(
                pa.array([r % (step + 1) for r in range(rows)], pa.uint8()), pa.array(words[: step + 1])
            )
            batch = pa.record_batch(
                [
                    pa.array(range(rows), pa.uint16()),
                    keys,
                    pa.array([None if r % 5 == 1 else 1_700_000_000_123_456_789 + r for r in range(rows)], pa.timestamp("ns", tz="UTC")),
                    pa.array([r * 1000 for r in range(rows)], pa.duration("ns")),
                    pa.array([bytes([r] * 16) if r % 3 else None for r in range(rows)], pa.binary(16)),
                    pa.array([r % 2 == 0 if r % 6 else None for r in range(rows)], pa.bool_()),
                    pa.array([r / 3 for r in range(rows)], pa.float64()),
                    pa.array([bytes(range(r % 5)) for r in range(rows)], pa.binary()),
                    pa.StructArray.from_arrays([names, pa.array([-(2**62) + r for r in range(rows)], pa.int64())], names=["name", "n"]),
                    pa.array([None if r % 4 == 0 else list(range(r % 3)) for r in range(rows)], pa.list_(pa.int32())),
                ],
                schema=schema,
            )
            writer.write_batch(batch)


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "write":
    write_sample(sys.argv[2], sys.argv[3])
    main(sys.argv[2])
elif __name__ == "__main__":
    main(sys.argv[1])
