"""The limits of /api/v1's model requests, from the app's Settings.

What a request may hold (numbers, widths, layers), how much a forward pass
over it may compute, and how many numbers its answer may hold: each refused
with 413 or 422 naming the field, and saying how to ask for less.
"""
from __future__ import annotations

from ..config import Settings
from ..schemas import ForwardRequest, ModelParams
from .strict import ApiError

# A forward pass computes N·(ΣH + C) hidden values and scores: a small request
# can ask for a huge pass (10⁵ rows through a 1024-wide layer). The pass may
# compute this many times max_request_numbers values; the answer may hold at
# most max_response_numbers numbers (check_answer).
RESPONSE_FACTOR = 5


def _check_model_limits(model: ModelParams, settings: Settings, loss: str = "softmax") -> None:
    """Layer count and widths (Settings: the REST limits); a regression (mse) model may have 1 output."""
    loc = ("body", "model", "layers")
    hidden = len(model.layers) - 1
    if hidden > settings.max_hidden_layers:
        raise ApiError(422, loc, f"the model has too many hidden layers: at most {settings.max_hidden_layers}",
                       "too_many_layers")
    first = model.layers[0]
    if first.inputs > settings.max_input_width:
        raise ApiError(422, loc + (0, "W"), "layers[0].W has too many rows: the input width is "
                       f"1 to {settings.max_input_width}", "width")
    for i, layer in enumerate(model.layers[:-1]):
        if layer.outputs > settings.max_hidden_width:
            raise ApiError(422, loc + (i, "W"), f"layers[{i}].W has too many columns: a hidden layer "
                           f"has 1 to {settings.max_hidden_width} units", "width")
    last = len(model.layers) - 1
    classes = model.layers[-1].outputs
    least, what = (1, "outputs") if loss == "mse" else (2, "classes")
    if not least <= classes <= settings.max_output_width:
        raise ApiError(422, loc + (last, "W"), f"layers[{last}].W has too {'few' if classes < least else 'many'} "
                       f"columns: the output layer has {least} to {settings.max_output_width} {what}", "width")


def check_request(req: ForwardRequest, settings: Settings) -> None:
    """The request's size, its model's limits and the work of its forward pass."""
    limit = settings.max_request_numbers
    if req.count > limit:
        raise ApiError(413, ["body"], f"the request holds more than {limit:,} numbers (X, y and the model "
                       "together)", "too_many_numbers")
    _check_model_limits(req.model, settings, req.loss)
    rows = len(req.X)
    answer = rows * sum(req.model.sizes[1:])
    if answer > RESPONSE_FACTOR * limit:
        raise ApiError(413, ["body", "X"], f"the answer would hold more than {RESPONSE_FACTOR * limit:,} hidden "
                       "values and scores (rows of X times the widths of the layers): send fewer rows or a "
                       "narrower model", "response_too_large")




def answer_numbers(req: ForwardRequest, hidden: bool = True, grads: bool = False) -> int:
    """How many numbers /forward's answer holds (/backward's with ``grads``): scores,
    probabilities and predictions, the hidden activations when asked for, with y the
    loss terms, and the gradients of every parameter and of X."""
    rows, sizes = len(req.X), req.model.sizes
    count = rows * (2 * sizes[-1] + 1)
    if hidden:
        count += rows * sum(sizes[1:-1])
    if req.y is not None:
        count += rows + 5
    if grads:
        count += req.model.count + rows * sizes[0]
    return count


def forward_work(req: ForwardRequest) -> int:
    """About the multiply-adds of a forward pass (and of a backward, within a factor
    of three): the rows of X times the model's parameters."""
    return len(req.X) * req.model.count


def step_answer_numbers(req: ForwardRequest) -> int:
    """/step's answer: the updated model, the loss and the gradients (of X too)."""
    return 2 * req.model.count + len(req.X) * req.model.sizes[0] + 3


def check_answer(numbers: int, settings: Settings, hidden: bool, without_hidden: int) -> None:
    """413 when an answer of ``numbers`` numbers is over max_response_numbers, naming
    `hidden` when leaving the hidden activations out (``without_hidden`` numbers) is
    enough, else X."""
    limit = settings.max_response_numbers
    if numbers <= limit:
        return
    if hidden and without_hidden <= limit:
        raise ApiError(413, ["query", "hidden"], f"the answer would hold {numbers:,} numbers, more than "
                       f"{limit:,}: ask with ?hidden=0 to leave out the hidden activations, or send fewer "
                       "rows of X", "response_too_large")
    raise ApiError(413, ["body", "X"], f"the answer would hold {numbers:,} numbers, more than {limit:,}: send "
                   "fewer rows of X or a narrower model" + (" (and ask with ?hidden=0)" if hidden else ""),
                   "response_too_large")
