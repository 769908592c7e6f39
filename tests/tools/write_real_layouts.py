#!/usr/bin/env python3
"""Writes small, learnable data sets in the real layouts the evonas tool reads
(run with /usr/bin/python3: needs numpy, h5py and tifffile).

  minerva DIR   DIR/minerva.h5 in MINERvA's vertex-finding layout:
                img_data/hitimes-x float32 [N, 2, 127, 94] (chunked, gzip),
                vtx_data/segments uint8 [N], vtx_data/z float32 [N]; the
                segment moves a blob of hits.
  lucchi DIR    DIR/training.tif (uint8 pages [P, H, W]) and
                DIR/training_groundtruth.tif (0/255), like EPFL's Lucchi data:
                bright-rimmed dark ellipsoids ("mitochondria") in noise.
  sans DIR      DIR/curves/<class>/*.{txt,dat,ABS}: reduced 1-D SANS curves,
                one per file, four classes (a Guinier knee, a correlation
                peak, a power law, both levels), varying q ranges and lengths, columns
                q I dI [dQ], '#' comments, some as NIST .ABS with its header;
                DIR/test.csv a manifest (file,label) of other curves.
  npy DIR       DIR/x.npy float32 [N, 256] (raw SANS intensities of the four
                classes above on one q grid) and DIR/y.npy int64 [N].
"""
import os
import sys

import numpy as np


def minerva(out, n_per_class=10, classes=11, seed=1):
    import h5py
    rng = np.random.default_rng(seed)
    n = n_per_class * classes
    x = rng.exponential(0.05, size=(n, 2, 127, 94)).astype(np.float32)
    y = np.repeat(np.arange(classes, dtype=np.uint8), n_per_class)
    rng.shuffle(y)
    for i, c in enumerate(y):
        z = 8 + int(c) * 10  # the vertex's plane moves with the segment
        for view in range(2):
            s = 30 + rng.integers(-6, 7)
            x[i, view, z:z + 6, s:s + 6] += 3.0 + rng.random()
    with h5py.File(os.path.join(out, "minerva.h5"), "w") as f:
        f.create_dataset("img_data/hitimes-x", data=x, chunks=(1, 2, 127, 94), compression="gzip")
        f.create_dataset("vtx_data/segments", data=y)
        f.create_dataset("vtx_data/z", data=(4500.0 + 10.0 * y).astype(np.float32))  # a float per event
        f.create_dataset("eventids", data=np.arange(n, dtype=np.uint64))


def lucchi(out, pages=16, size=48, seed=2):
    import tifffile
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.mgrid[0:pages, 0:size, 0:size]
    mask = np.zeros((pages, size, size), dtype=bool)
    image = rng.normal(140.0, 18.0, size=mask.shape)
    for _ in range(10):
        cz, cy, cx = rng.uniform(0, pages), rng.uniform(0, size), rng.uniform(0, size)
        rz, ry, rx = rng.uniform(3, 6), rng.uniform(4, 8), rng.uniform(4, 8)
        d = ((zz - cz) / rz) ** 2 + ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        mask |= d <= 1.0
        image[(d > 0.7) & (d <= 1.0)] += 60.0   # bright membrane
        image[d <= 0.7] -= 50.0                 # dark matrix
    tifffile.imwrite(os.path.join(out, "training.tif"), np.clip(image, 0, 255).astype(np.uint8))
    tifffile.imwrite(os.path.join(out, "training_groundtruth.tif"), (mask * 255).astype(np.uint8))


SANS_CLASSES = ["guinier", "peak", "power_law", "two_level"]


def sans_curve(kind, rng, q=None):
    """One noisy curve of a class: shapes that differ after a log10 and a
    per-curve standardisation (pure power laws of different slopes would
    not: a straight line standardises to the same line)."""
    if q is None:
        q_min = 10 ** rng.uniform(-2.9, -2.6)
        q_max = 10 ** rng.uniform(-0.5, -0.3)
        q = np.geomspace(q_min, q_max, int(rng.integers(80, 160)))
    scale = 10 ** rng.uniform(-1, 1)
    if kind == "guinier":  # one size: flat, then a knee
        rg = rng.uniform(30, 80)
        i = scale * 100 * np.exp(-(q * rg) ** 2 / 3)
    elif kind == "peak":  # correlated particles: a broad peak at q0
        q0 = 10 ** rng.uniform(-1.7, -1.0)
        i = scale * 10 / (1 + ((q - q0) / (0.3 * q0)) ** 2)
    elif kind == "power_law":  # fractal or surface scattering
        i = scale * 1e-4 * q ** -rng.uniform(2, 4)
    else:  # two levels: a Guinier knee on a power law
        rg = rng.uniform(30, 80)
        i = scale * (100 * np.exp(-(q * rg) ** 2 / 3) + 1e-3 * q ** -2)
    i = i + 0.01 * 10 ** rng.uniform(-0.5, 0.5)  # flat background
    di = 0.05 * i
    i = i + rng.normal(0, 1, size=i.shape) * di
    return q, i, di, 0.1 * q


def write_curve(path, q, i, di, dq, style):
    with open(path, "w") as f:
        if style == "abs":  # NIST reduction output
            f.write("LABEL: synthetic sample\n")
            f.write("MON CNT   LAMBDA   DET ANG   DET DIST   TRANS   THICK   AVE   STEP\n")
            f.write("  1.000E+08  6.000  0.000  13.000  0.800  0.100  AVERAGE  1.000\n")
            f.write("The 6 columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | sigmaQ | meanQ | ShadowFactor|\n")
            for row in zip(q, i, di, dq):
                f.write("%.6e %.6e %.6e %.6e %.6e %.6e\n" % (row[0], row[1], row[2], row[3], row[0], 1.0))
        elif style == "csv":
            f.write("# q,I,dI\n")
            for row in zip(q, i, di):
                f.write("%.8g,%.8g,%.8g\n" % row)
        else:
            f.write("# reduced SANS curve\n# q(1/A) I(1/cm) dI(1/cm) dQ(1/A)\n")
            for row in zip(q, i, di, dq):
                f.write("  %.7e\t%.7e\t%.7e\t%.7e\n" % row)


def sans(out, per_class=24, test_per_class=6, seed=3):
    rng = np.random.default_rng(seed)
    styles = ["txt", "abs", "csv"]
    ext = {"txt": ".txt", "abs": ".ABS", "csv": ".dat"}
    for c in SANS_CLASSES:
        os.makedirs(os.path.join(out, "curves", c), exist_ok=True)
        for k in range(per_class):
            style = styles[k % 3]
            write_curve(os.path.join(out, "curves", c, "curve%03d%s" % (k, ext[style])), *sans_curve(c, rng), style)
    os.makedirs(os.path.join(out, "test_curves"), exist_ok=True)
    with open(os.path.join(out, "test.csv"), "w") as m:
        m.write("file,label\n")
        for c in SANS_CLASSES:
            for k in range(test_per_class):
                name = "test_curves/%s_%02d.txt" % (c, k)
                write_curve(os.path.join(out, name), *sans_curve(c, rng), "txt")
                m.write("%s,%s\n" % (name, c))


def npy(out, per_class=100, seed=4):
    rng = np.random.default_rng(seed)
    q = np.geomspace(0.001, 0.5, 256)
    labels = np.arange(per_class * len(SANS_CLASSES)) % len(SANS_CLASSES)
    x = np.stack([sans_curve(SANS_CLASSES[c], rng, q)[1] for c in labels]).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "y.npy"), labels.astype(np.int64))


LAYOUTS = {"minerva": minerva, "lucchi": lucchi, "sans": sans, "npy": npy}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in LAYOUTS:
        sys.exit(__doc__)
    os.makedirs(sys.argv[2], exist_ok=True)
    LAYOUTS[sys.argv[1]](sys.argv[2])
