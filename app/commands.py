"""The driver's commands to a live session: play, pause, step, reset, config,
probe, points, model, param, fork. Each runs on the event loop between two training
turns; work on the network goes to the training thread under the session's
lock. Replies go to the sender; a config change goes to every subscriber.
"""
from __future__ import annotations

from pydantic import ValidationError

from .budget import session_refusal
from .inside import ParamError
from .protocol import config_reply, error, validation_error
from .scheduler import train_for
from .session_config import DATA_FIELDS, ConfigError, changed_fields, check_config, merge_config


async def play(live, sub, msg):
    if not start_playing(live):
        sub.post(error("the network diverged: reset it (or change a setting that "
                       "re-initializes it) before playing", "status"))


def start_playing(live) -> bool:
    """Play, unless the network diverged (False)."""
    if live.training.status == "diverged":
        return False
    live.store.scheduler.join(live)
    live.training.running = True
    return True


async def pause(live, sub, msg):
    live.training.running = False


async def reset(live, sub, msg):
    await live.locked(live.training.reset)


async def step(live, sub, msg):
    live.training.running = False
    await run_steps(live, msg.n)


async def model(live, sub, msg):
    if msg.set is not None:
        await set_model(live, sub, msg.set)
        return
    sub.post({"type": "model", "model": await live.locked(live.training.model)})


async def set_model(live, sub, new):
    """Continue from a saved model of the session's own layer sizes."""
    t = live.training
    if new.sizes != t.net.sizes:
        sub.post(error(f"set: the model's layer sizes {new.sizes} are not this session's {t.net.sizes}", "set"))
        return
    await live.locked(t.set_model, new.layer_arrays(), new.activation)
    for each in live.subscribers:  # the activation may have changed
        each.post(config_reply(t.config, False))


async def run_steps(live, n):
    """Exactly n steps (fewer only if the network diverges), in slices so
    that other sessions keep their turns; no frame until they are done."""
    t, scheduler = live.training, live.store.scheduler
    left = n
    while left > 0 and t.status == "ok":
        done, used = await scheduler.run(train_for, t, left, scheduler.slice_seconds(),
                                         scheduler.frames_waiting)
        live.used += used
        left -= done


async def config(live, sub, msg):
    refused = await apply_config_patch(live, msg.config)
    if refused:
        sub.post(refused)


async def apply_config_patch(live, patch: dict):
    """Validate and apply a partial config (a driver's, or a teacher's push);
    every subscriber gets the new config. The `error` message if refused."""
    t = live.training
    try:
        clean = live.store.validate_config_patch(patch)
        new = merge_config(t.config, clean)
        kept_points = 0 if changed_fields(t.config, new) & DATA_FIELDS else len(t.user_points)
        check_config(new, kept_points, live.store.settings.max_points, live.store.settings.min_classes)
    except ValidationError as exc:
        return validation_error(exc, default_field="config")
    except ConfigError as exc:
        return error(str(exc), exc.field)
    if refused := session_refusal(live, new, new.n_points + kept_points, clean):
        return error(refused[1], refused[0])
    reset = await live.locked(t.apply_config, clean)
    for each in live.subscribers:  # viewers see the settings change too
        each.post(config_reply(t.config, reset))
    return None


def labels_fit(t, labels):
    """Whether labels fit the session: class indices, or for regression any
    target (the message's schema keeps those in [-1, 1])."""
    if t.config.regression:
        return True
    return all(type(label) is int and label < t.config.classes for label in labels)


async def probe(live, sub, msg):
    t = live.training
    if msg.label is not None and not labels_fit(t, [msg.label]):
        sub.post(error(f"label must be an integer between 0 and {t.config.classes - 1}", "label"))
        return
    width = t.net.sizes[0]
    if len(msg.x) != width:
        what = "an image of" if t.task.input == "image" else "a point of"
        sub.post(error(f"x must be {what} {width} numbers for this network", "x"))
        return
    t.probe_point = (tuple(msg.x), msg.label)
    sub.post({"type": "probe", **await live.locked(t.probe, *t.probe_point)})


async def points(live, sub, msg):
    t, max_points = live.training, live.store.settings.max_points
    field = "replace" if msg.replace is not None else "add"
    if (msg.add or msg.replace is not None) and t.task.input != "plane":
        sub.post(error("points: only a 2-D dataset takes points (this session learns images)", field))
        return
    if msg.replace is not None:
        if any(label >= t.config.classes for _, _, label in msg.replace):
            sub.post(error(f"labels must be between 0 and {t.config.classes - 1}", "replace"))
            return
        if not t.config.classes <= len(msg.replace) <= max_points:
            sub.post(error(f"replace takes {t.config.classes} to {max_points} points", "replace"))
            return
        await live.locked(t.replace_points, msg.replace)
        return
    if msg.clear:
        await live.locked(t.clear_points)
    if msg.add:
        if not labels_fit(t, [label for _, _, label in msg.add]):
            sub.post(error(f"labels must be integers between 0 and {t.config.classes - 1}", "add"))
            return
        if t.n_points + len(msg.add) > max_points:
            sub.post(error(f"a session holds at most {max_points} points", "add"))
            return
        if refused := session_refusal(live, t.config, t.n_points + len(msg.add), ("add",)):
            sub.post(error(refused[1], refused[0]))
            return
        await live.locked(t.add_points, msg.add)


async def param(live, sub, msg):
    """One weight or bias typed by hand: applied to the live network, no reset."""
    t = live.training
    try:
        await live.locked(t.set_parameter, msg.layer, msg.name, list(msg.index), msg.value)
    except ParamError as exc:
        sub.post(error(str(exc), exc.field))


async def fork(live, sub, msg):
    """"Make it mine": copy the run in the class's spotlight into this session."""
    classroom = live.store.classroom
    refused = await classroom.fork(live, msg.session) if classroom else \
        error("only a student in a class can fork the run in the spotlight", "session")
    if refused:
        sub.post(refused)


# message type → handler(live, sub, msg); adding a command is one entry here
# and its message model in app/schemas.py.
COMMANDS = {"play": play, "pause": pause, "reset": reset, "step": step, "config": config,
            "probe": probe, "points": points, "model": model, "param": param, "fork": fork}


async def apply_command(live, sub, msg):
    """Apply one of the driver's messages to the session."""
    await COMMANDS[msg.type](live, sub, msg)
