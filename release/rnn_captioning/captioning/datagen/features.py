"""A fixed, deterministic image feature extractor that stands in for VGG-16 fc7.

The pipeline, for a batch of uint8 RGB images (N, H, W, 3):
1. Colour histograms: every channel is quantised to 4 levels (64 colour bins)
   and counted on a 4x4 grid of cells. They say which colours are where, and
   how much of each (the size of an object).
2. Oriented-gradient histograms: the image gradient, in 8 direction bins and
   weighted by its strength, is summed on an 8x8 grid of cells. They describe
   edges, and so the shapes.
3. Both are square-rooted (so that large flat areas do not swamp small
   details) and concatenated into one descriptor.
4. A random projection with a fixed seed, followed by a ReLU, lifts the
   descriptor to 4096 numbers: the "fc7" features.
5. PCA, fitted on the training images only, reduces fc7 to 512 numbers,
   each scaled to the same spread (standard deviation 2) over the training
   images. This whitening matters: the largest components mostly encode the
   background, and without it they drown out the objects; the spread of 2
   keeps the images' initial hidden states far enough apart for a model to
   tell 50 images apart within 100 steps (the notebooks' overfit check).
Nothing is learned from captions, and the same pixels give the same numbers.
"""
import numpy as np

COLOUR_LEVELS = 4
COLOUR_GRID = 4
GRADIENT_BINS = 8
GRADIENT_GRID = 8
FC7_DIM = 4096
PCA_DIM = 512
PROJECTION_SEED = 4096
PCA_SPREAD = 2.0   # standard deviation of every PCA feature over the training images


def colour_histograms(images):
    """(N, COLOUR_GRID**2 * COLOUR_LEVELS**3) fraction of each cell's pixels per colour bin."""
    n, height, width, _ = images.shape
    levels = (images // (256 // COLOUR_LEVELS)).astype(np.int32)
    colour_bin = (levels[..., 0] * COLOUR_LEVELS + levels[..., 1]) * COLOUR_LEVELS + levels[..., 2]
    cell = _cell_index(height, width, COLOUR_GRID)
    bins_per_image = COLOUR_GRID ** 2 * COLOUR_LEVELS ** 3
    index = cell[None] * COLOUR_LEVELS ** 3 + colour_bin
    index = index + np.arange(n, dtype=np.int32)[:, None, None] * bins_per_image
    counts = np.bincount(index.ravel(), minlength=n * bins_per_image)
    pixels_per_cell = height * width / COLOUR_GRID ** 2
    return counts.reshape(n, bins_per_image) / pixels_per_cell


def gradient_histograms(images):
    """(N, GRADIENT_GRID**2 * GRADIENT_BINS) gradient strength per cell and direction."""
    n, height, width, _ = images.shape
    pixels = images.astype(np.float32) / 255.0
    dx = np.zeros_like(pixels)
    dy = np.zeros_like(pixels)
    dx[:, :, 1:-1] = (pixels[:, :, 2:] - pixels[:, :, :-2]) / 2
    dy[:, 1:-1] = (pixels[:, 2:] - pixels[:, :-2]) / 2
    # Use the colour channel with the strongest edge: a red shape on a grey
    # background can have almost no edge in brightness alone.
    strength = dx ** 2 + dy ** 2
    strongest = np.argmax(strength, axis=3)[..., None]
    gx = np.take_along_axis(dx, strongest, axis=3)[..., 0]
    gy = np.take_along_axis(dy, strongest, axis=3)[..., 0]
    magnitude = np.sqrt(gx ** 2 + gy ** 2)
    direction = np.arctan2(gy, gx) + np.float32(np.pi)      # in [0, 2 pi]
    direction_bin = np.minimum((direction * np.float32(GRADIENT_BINS / (2 * np.pi))).astype(np.int32),
                               GRADIENT_BINS - 1)
    cell = _cell_index(height, width, GRADIENT_GRID)
    bins_per_image = GRADIENT_GRID ** 2 * GRADIENT_BINS
    index = cell[None] * GRADIENT_BINS + direction_bin
    index = index + np.arange(n, dtype=np.int32)[:, None, None] * bins_per_image
    sums = np.bincount(index.ravel(), weights=magnitude.ravel().astype(np.float64),
                       minlength=n * bins_per_image)
    pixels_per_cell = height * width / GRADIENT_GRID ** 2
    return sums.reshape(n, bins_per_image) / pixels_per_cell


def _cell_index(height, width, grid):
    """(height, width) map from each pixel to its cell number on a grid x grid layout."""
    rows = np.arange(height, dtype=np.int32) * grid // height
    cols = np.arange(width, dtype=np.int32) * grid // width
    return rows[:, None] * grid + cols[None, :]


def descriptor(images):
    """The hand-made descriptor of steps 1-3: float32 (N, 1536), each row of unit length."""
    x = np.hstack([np.sqrt(colour_histograms(images)),
                   np.sqrt(gradient_histograms(images))]).astype(np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _projection(input_dim):
    """The fixed random projection of step 4, the same on every run."""
    rng = np.random.default_rng(PROJECTION_SEED)
    return rng.standard_normal((input_dim, FC7_DIM), dtype=np.float32)


def fc7_features(images, batch_size=500):
    """float32 (N, 4096) features of uint8 images (N, H, W, 3)."""
    chunks = []
    projection = None
    for start in range(0, len(images), batch_size):
        x = descriptor(images[start:start + batch_size])
        if projection is None:
            projection = _projection(x.shape[1])
        # A unit-length row times a standard normal matrix gives standard
        # normal entries; half survive the ReLU, and sqrt(2) brings their
        # root-mean-square back to one.
        chunks.append(np.sqrt(np.float32(2)) * np.maximum(x @ projection, 0))
    return np.vstack(chunks).astype(np.float32)


def fit_pca(train_fc7, dim=PCA_DIM, seed=PROJECTION_SEED):
    """Mean and the top `dim` principal directions (dim, 4096) of the training
    features, each scaled so its projections have standard deviation PCA_SPREAD.

    An exact SVD of a (4000, 4096) matrix takes half a minute, so this is the
    standard randomised SVD (a seeded random start and two power iterations),
    which finds the same leading directions in about a second.
    """
    x = train_fc7.astype(np.float64)
    mean = x.mean(axis=0)
    centred = x - mean
    rank = min(dim + 64, *centred.shape)
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(centred @ rng.standard_normal((centred.shape[1], rank)))
    for _ in range(2):
        basis, _ = np.linalg.qr(centred.T @ basis)
        basis, _ = np.linalg.qr(centred @ basis)
    _, _, vt = np.linalg.svd(basis.T @ centred, full_matrices=False)
    components = vt[:dim]
    if len(components) < dim:
        # Fewer images than dimensions (a tiny test set): pad with null directions.
        components = np.vstack([components, np.zeros((dim - len(components), x.shape[1]))])
    # An eigenvector's sign is arbitrary; fix it so the output never flips.
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.where(components[np.arange(dim), largest] < 0, -1.0, 1.0)
    components = components * signs[:, None]
    spread = (centred @ components.T).std(axis=0)
    # Null directions (spread 0) stay 0 rather than dividing by zero.
    components = components * (PCA_SPREAD / np.where(spread > 1e-8, spread, PCA_SPREAD))[:, None]
    return mean, components


def apply_pca(fc7, mean, components):
    """float32 (N, dim) whitened projection of fc7 features onto the principal directions."""
    return ((fc7.astype(np.float64) - mean) @ components.T).astype(np.float32)
