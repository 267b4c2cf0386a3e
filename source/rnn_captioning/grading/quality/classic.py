"""A second, CORRECT implementation of every graded function, written the way
students usually write it (step loops that call the step functions, np.add.at,
gates computed one by one, a sample that stops at <END>). Its errors against
the reference are what the tolerances must leave room for: the calibration in
TOLERANCES.md grades it over 100 hidden seeds.
"""
from ..patching import LAYERS, MODEL, _def, apply_functions

CLASSIC_CORRECT = {
    LAYERS: {
        "rnn_step_forward": _def('''
            def rnn_step_forward(x, prev_h, Wx, Wh, b):
                next_h = np.tanh(np.dot(prev_h, Wh) + np.dot(x, Wx) + b)
                return next_h, (x, prev_h, Wx, Wh, next_h)
            '''),
        "rnn_step_backward": _def('''
            def rnn_step_backward(dnext_h, cache):
                x, prev_h, Wx, Wh, next_h = cache
                dtanh = (1 - next_h ** 2) * dnext_h
                return (np.dot(dtanh, Wx.T), np.dot(dtanh, Wh.T), np.dot(x.T, dtanh),
                        np.dot(prev_h.T, dtanh), np.sum(dtanh, axis=0))
            '''),
        "rnn_forward": _def('''
            def rnn_forward(x, h0, Wx, Wh, b):
                N, T, D = x.shape
                h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
                prev_h, caches = h0, []
                for t in range(T):
                    prev_h, step_cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
                    h[:, t, :] = prev_h
                    caches.append(step_cache)
                return h, caches
            '''),
        "rnn_backward": _def('''
            def rnn_backward(dh, cache):
                N, T, H = dh.shape
                D = cache[0][0].shape[1]
                dx = np.zeros((N, T, D), dtype=dh.dtype)
                dWx, dWh, db = 0, 0, 0
                dprev_h = np.zeros((N, H), dtype=dh.dtype)
                for t in reversed(range(T)):
                    dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
                    dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
                return dx, dprev_h, dWx, dWh, db
            '''),
        "word_embedding_forward": _def('''
            def word_embedding_forward(x, W):
                return W[x, :], (x, W)
            '''),
        "word_embedding_backward": _def('''
            def word_embedding_backward(dout, cache):
                x, W = cache
                dW = np.zeros_like(W, dtype=dout.dtype)
                np.add.at(dW, x, dout)
                return dW
            '''),
        "lstm_step_forward": _def('''
            def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
                H = prev_h.shape[1]
                a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
                ai, af, ao, ag = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                i, f, o, g = sigmoid(ai), sigmoid(af), sigmoid(ao), np.tanh(ag)
                next_c = f * prev_c + i * g
                next_h = o * np.tanh(next_c)
                return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)
            '''),
        "lstm_step_backward": _def('''
            def lstm_step_backward(dnext_h, dnext_c, cache):
                x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
                tanh_c = np.tanh(next_c)
                do = dnext_h * tanh_c
                dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
                di, df, dg = dc * g, dc * prev_c, dc * i
                da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)))
                return (np.dot(da, Wx.T), np.dot(da, Wh.T), dc * f, np.dot(x.T, da),
                        np.dot(prev_h.T, da), np.sum(da, axis=0))
            '''),
        "lstm_forward": _def('''
            def lstm_forward(x, h0, Wx, Wh, b):
                N, T, D = x.shape
                H = h0.shape[1]
                h = np.zeros((N, T, H), dtype=x.dtype)
                prev_h, prev_c, caches = h0, np.zeros_like(h0), []
                for t in range(T):
                    prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
                    h[:, t, :] = prev_h
                    caches.append(step_cache)
                return h, caches
            '''),
        "lstm_backward": _def('''
            def lstm_backward(dh, cache):
                N, T, H = dh.shape
                D = cache[0][0].shape[1]
                dx = np.zeros((N, T, D), dtype=dh.dtype)
                dWx, dWh, db = 0, 0, 0
                dprev_h = np.zeros((N, H), dtype=dh.dtype)
                dprev_c = np.zeros((N, H), dtype=dh.dtype)
                for t in reversed(range(T)):
                    dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
                        dh[:, t] + dprev_h, dprev_c, cache[t])
                    dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
                return dx, dprev_h, dWx, dWh, db
            '''),
    },
    MODEL: {
        "sample": _def('''
                def sample(self, features, max_length=30):
                    N = features.shape[0]
                    captions = self._null * np.ones((N, max_length), dtype=np.int32)
                    W_embed = self.params["W_embed"]
                    prev_h = features.dot(self.params["W_proj"]) + self.params["b_proj"]
                    prev_c = np.zeros_like(prev_h)
                    words = self._start * np.ones(N, dtype=np.int32)
                    done = np.zeros(N, dtype=bool)
                    for t in range(max_length):
                        if self.cell_type == "rnn":
                            prev_h, _ = rnn_step_forward(W_embed[words], prev_h, self.params["Wx"],
                                                         self.params["Wh"], self.params["b"])
                        else:
                            prev_h, prev_c, _ = lstm_step_forward(W_embed[words], prev_h, prev_c,
                                                                  self.params["Wx"], self.params["Wh"],
                                                                  self.params["b"])
                        scores = prev_h.dot(self.params["W_vocab"]) + self.params["b_vocab"]
                        words = np.argmax(scores, axis=1)
                        # Stop each caption at <END> and pad with <NULL>, as many students do.
                        captions[~done, t] = words[~done]
                        done |= words == self._end
                    return captions
            '''),
    },
}


def make_classic_correct(base_dir, dest_dir):
    """A correct, student-style rewrite of every graded function (see CLASSIC_CORRECT)."""
    return apply_functions(base_dir, dest_dir, [(relative, name, source)
                                                for relative, functions in CLASSIC_CORRECT.items()
                                                for name, source in functions.items()])
