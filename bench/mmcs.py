#!/usr/bin/env python3
"""bench/mmcs.py MODEL.safetensors TRUTH.safetensors — an independent numpy cross-check of
hsae eval's dictionary metrics on synthetic data (needs only numpy; reads safetensors by hand).

  bottom MMCS vs leaves: mean over true leaf directions (children + singletons) of the largest
                         cosine with any bottom decoder row
  top MMCS vs parents:   (geometry A only) mean over true parent directions of the largest cosine
                         with any top feature's input-space direction u_j = W_dec²[j] · W_dec¹
"""
import json, struct, sys
import numpy as np

def load(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    dtypes = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}
    out = {}
    for name, v in header.items():
        if name == '__metadata__':
            continue
        s, e = v['data_offsets']
        out[name] = np.frombuffer(raw[8 + n + s:8 + n + e], dtype=dtypes[v['dtype']]).reshape(v['shape'])
    return out

def unit(rows):
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

model, truth = load(sys.argv[1]), load(sys.argv[2])
leaves = np.concatenate([truth['child_directions'], truth['singleton_directions']])
bottom = unit(model['bottom.W_dec'])
print('bottom MMCS vs leaves   %.4f' % (leaves @ bottom.T).max(1).mean())
if 'top.W_dec' in model and 'parent_directions' in truth:
    top = unit(model['top.W_dec'] @ model['bottom.W_dec'])
    print('top MMCS vs parents     %.4f' % (truth['parent_directions'] @ top.T).max(1).mean())
