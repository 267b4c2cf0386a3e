"""Provided: a fully connected (affine) layer, used to project image features."""


def affine_forward(x, w, b):
    """Affine map of a batch, flattening every example to a row.

    Inputs:
    - x: (N, d_1, ..., d_k), with D = d_1 * ... * d_k
    - w: (D, M)
    - b: (M,)

    Returns a tuple of:
    - out: (N, M)
    - cache: what affine_backward needs
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    Inputs:
    - dout: (N, M)
    - cache: from affine_forward

    Returns a tuple of:
    - dx: (N, d_1, ..., d_k)
    - dw: (D, M)
    - db: (M,)
    """
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
