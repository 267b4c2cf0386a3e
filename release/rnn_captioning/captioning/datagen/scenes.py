"""Random scenes of coloured shapes, their pictures and their captions.

A scene is a plain dict: a background colour name and a list of one or two
objects, each with a colour, a shape, a size and a position. `render_scene`
draws it with Pillow and `describe_scene` writes English captions for it from
a small grammar with synonyms and several word orders.
"""
import numpy as np
from PIL import Image, ImageDraw

IMAGE_SIZE = 96          # side of the saved square PNG, in pixels
_SUPERSAMPLE = 3         # draw larger, then shrink: smooth, anti-aliased edges

COLOURS = {
    "red": (215, 35, 35),
    "green": (35, 165, 60),
    "blue": (40, 75, 220),
    "yellow": (240, 210, 40),
    "purple": (140, 55, 180),
    "orange": (245, 135, 25),
}
BACKGROUNDS = {
    "white": (245, 245, 240),
    "black": (22, 22, 26),
    "gray": (128, 128, 128),
}
SHAPES = ("circle", "square", "triangle", "star")
SIZES = {"small": 24, "large": 40}     # object diameter in output pixels

# Corners and centre for a lone object, as (x, y) fractions of the image side.
SINGLE_POSITIONS = {
    "top left": (0.28, 0.28),
    "top right": (0.72, 0.28),
    "bottom left": (0.28, 0.72),
    "bottom right": (0.72, 0.72),
    "center": (0.5, 0.5),
}
_JITTER = 0.05           # random shift of each object, as a fraction of the side

# Words as written, with the probability of each synonym. The very rare ones
# fall below the vocabulary's count threshold and so become <UNK>.
SYNONYMS = {
    "red": [("red", 0.999), ("crimson", 0.001)],
    "green": [("green", 1.0)],
    "blue": [("blue", 0.999), ("azure", 0.001)],
    "yellow": [("yellow", 1.0)],
    "purple": [("purple", 0.85), ("violet", 0.15)],
    "orange": [("orange", 1.0)],
    "white": [("white", 1.0)],
    "black": [("black", 0.8), ("dark", 0.2)],
    "gray": [("gray", 0.75), ("grey", 0.25)],
    "circle": [("circle", 0.8), ("disk", 0.2)],
    "square": [("square", 0.8), ("box", 0.2)],
    "triangle": [("triangle", 1.0)],
    "star": [("star", 1.0)],
    "small": [("small", 0.7), ("little", 0.2), ("tiny", 0.1)],
    "large": [("large", 0.6), ("big", 0.4)],
}

POSITION_PHRASES = {
    "top left": ["in the top left corner", "at the top left", "in the upper left corner"],
    "top right": ["in the top right corner", "at the top right", "in the upper right corner"],
    "bottom left": ["in the bottom left corner", "at the bottom left", "in the lower left corner"],
    "bottom right": ["in the bottom right corner", "at the bottom right", "in the lower right corner"],
    "center": ["in the center", "in the middle"],
}

MAX_WORDS = 15           # 17 tokens minus <START> and <END>


def sample_scene(rng):
    """Draw a random scene: one object (40%) or a pair side by side or stacked."""
    background = _choice(rng, sorted(BACKGROUNDS))
    if rng.random() < 0.4:
        position = _choice(rng, list(SINGLE_POSITIONS))
        objects = [_sample_object(rng, SINGLE_POSITIONS[position])]
        return {"background": background, "layout": position, "objects": objects}
    layout = "horizontal" if rng.random() < 0.5 else "vertical"
    first, second = _pair_centres(rng, layout)
    objects = [_sample_object(rng, first), _sample_object(rng, second)]
    # Two identical-looking objects would make "left of" captions ambiguous.
    while _looks_alike(objects[0], objects[1]):
        objects[1] = _sample_object(rng, second)
    return {"background": background, "layout": layout, "objects": objects}


def _choice(rng, options, weights=None):
    """One of `options`, uniformly or with the given relative weights."""
    if weights is None:
        return options[int(rng.integers(len(options)))]
    weights = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=weights / weights.sum()))]


def _sample_object(rng, centre):
    x, y = (c + rng.uniform(-_JITTER, _JITTER) for c in centre)
    return {
        "colour": _choice(rng, list(COLOURS)),
        "shape": _choice(rng, list(SHAPES)),
        "size": _choice(rng, list(SIZES)),
        "x": x,
        "y": y,
        "angle": float(rng.uniform(-12, 12)),   # a small tilt, in degrees
    }


def _pair_centres(rng, layout):
    """Centres of the first (left or upper) and second object of a pair."""
    across = rng.uniform(0.4, 0.6)
    if layout == "horizontal":
        return (0.27, across), (0.73, across)
    return (across, 0.27), (across, 0.73)


def _looks_alike(a, b):
    return a["colour"] == b["colour"] and a["shape"] == b["shape"]


# ---------------------------------------------------------------- rendering

def render_scene(scene):
    """The scene as an IMAGE_SIZE x IMAGE_SIZE RGB PIL image."""
    side = IMAGE_SIZE * _SUPERSAMPLE
    image = Image.new("RGB", (side, side), BACKGROUNDS[scene["background"]])
    draw = ImageDraw.Draw(image)
    for obj in scene["objects"]:
        _draw_object(draw, obj, side)
    return image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.LANCZOS)


def _draw_object(draw, obj, side):
    cx, cy = obj["x"] * side, obj["y"] * side
    radius = SIZES[obj["size"]] * _SUPERSAMPLE / 2
    fill = COLOURS[obj["colour"]]
    if obj["shape"] == "circle":
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=fill)
        return
    draw.polygon(_outline(obj["shape"], cx, cy, radius, obj["angle"]), fill=fill)


def _outline(shape, cx, cy, radius, angle_degrees):
    """Polygon corners of a square, triangle or five-pointed star."""
    if shape == "square":
        angles = np.arange(4) * 90 + 45
        radii = [radius * 1.2] * 4       # a square whose side is ~0.85 diameters
    elif shape == "triangle":
        angles = np.arange(3) * 120 - 90
        radii = [radius * 1.1] * 3
    else:  # star: outer points alternate with inner corners
        angles = np.arange(10) * 36 - 90
        radii = [radius * (1.1 if i % 2 == 0 else 0.45) for i in range(10)]
    theta = np.radians(angles + angle_degrees)
    return [(float(cx + r * np.cos(t)), float(cy + r * np.sin(t))) for r, t in zip(radii, theta)]


# ----------------------------------------------------------------- captions

def describe_scene(scene, rng, count=5):
    """`count` different captions (lists of lower-case words) for the scene."""
    captions = []
    for _ in range(50 * count):
        words = _one_caption(scene, rng).split()
        if len(words) <= MAX_WORDS and words not in captions:
            captions.append(words)
        if len(captions) == count:
            return captions
    raise RuntimeError("the grammar could not make %d distinct captions" % count)


def _word(rng, concept):
    words, weights = zip(*SYNONYMS[concept])
    return words[int(rng.choice(len(words), p=np.array(weights) / sum(weights)))]


def _noun_phrase(rng, obj, with_size=True):
    words = [_word(rng, obj["size"])] if with_size else []
    words += [_word(rng, obj["colour"]), _word(rng, obj["shape"])]
    return _with_article(words)


def _with_article(words):
    article = "an" if words[0][0] in "aeiou" else "a"
    return " ".join([article] + words)


def _background_phrase(rng, scene):
    return "on %s background" % _with_article([_word(rng, scene["background"])])


def _one_caption(scene, rng):
    if len(scene["objects"]) == 1:
        return _single_caption(scene, rng)
    return _pair_caption(scene, rng)


def _single_caption(scene, rng):
    thing = _noun_phrase(rng, scene["objects"][0])
    phrases = POSITION_PHRASES[scene["layout"]]
    where = _choice(rng, phrases, [3] + [1] * (len(phrases) - 1))
    background = _background_phrase(rng, scene)
    templates = [
        "%s %s" % (thing, where),
        "%s %s %s" % (thing, where, background),
        "%s %s %s" % (thing, background, where),
        "there is %s %s" % (thing, where),
        "%s there is %s" % (where, thing),
        "an image of %s %s" % (thing, where),
    ]
    # The first, plainest wording is the most common, as in people's captions.
    return _choice(rng, templates, [4, 2, 1, 1, 1, 1])


def _pair_caption(scene, rng):
    first, second = scene["objects"]
    with_size = rng.random() < 0.7
    a = _noun_phrase(rng, first, with_size)
    b = _noun_phrase(rng, second, with_size)
    if scene["layout"] == "horizontal":
        before, after = ["to the left of", "left of"], ["to the right of", "right of"]
    else:
        before, after = ["above", "on top of"], ["below", "under"]
    weights = [3, 1]
    background = _background_phrase(rng, scene)
    templates = [
        "%s %s %s" % (a, _choice(rng, before, weights), b),
        "%s %s %s" % (b, _choice(rng, after, weights), a),
        "there is %s %s %s" % (a, _choice(rng, before, weights), b),
        "%s %s %s %s" % (a, _choice(rng, before, weights), b, background),
        "%s and %s %s" % (a, b, background),
    ]
    return _choice(rng, templates, [4, 2, 1, 1, 1])
