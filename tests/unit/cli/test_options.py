"""A command's options are defined once: ``refresh --models`` trains with ``train``'s option set (the same parser,
the same defaults), so an option added to training works from both; every command's --help parses."""
import argparse

import pytest

from dashboard.cli import options
from dashboard.cli.main import build_parser, main
from dashboard.cli.refresh import train_args


def _sub(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def test_refresh_takes_every_training_option_of_train_with_the_same_default():
    train, refresh = _sub("train"), _sub("refresh")
    by_dest = lambda p: {a.dest: a for a in p._actions}  # noqa: E731
    t, r = by_dest(train), by_dest(refresh)
    for dest in options.training_dests():
        assert dest in t and dest in r, dest
        assert t[dest].option_strings == r[dest].option_strings and t[dest].default == r[dest].default, dest
        assert t[dest].choices == r[dest].choices and t[dest].type == r[dest].type, dest
    # and nothing train accepts for training is missing from refresh (besides the model, which --models names)
    assert {d for d in t if d not in ("help", "model", "dataset", "json", "db", "workspace", "handler")} <= set(options.training_dests())


def test_refresh_hands_train_every_option_as_given():
    args = build_parser().parse_args(["refresh", "new.csv", "--dataset", "grocer", "--models", "tft,lstm",
                                      "--preset", "fast", "--holdout-weeks", "8", "--max-epochs", "2", "--threads", "1",
                                      "--seeds", "2", "--devices", "2", "--ray", "local", "--validation-windows", "2",
                                      "--network-windows", "--dropout", "0.3", "--workspace", "client-a"])
    ns = train_args(args, "tft", "ds-2")
    parsed = build_parser().parse_args(["train", "--model", "tft", "--dataset", "ds-2", "--preset", "fast",
                                        "--holdout-weeks", "8", "--max-epochs", "2", "--threads", "1", "--seeds", "2",
                                        "--devices", "2", "--ray", "local", "--validation-windows", "2",
                                        "--network-windows", "--dropout", "0.3", "--workspace", "client-a"])
    for dest in [*options.training_dests(), "model", "dataset", "workspace", "db"]:
        assert getattr(ns, dest) == getattr(parsed, dest), dest
    from dashboard.cli.training import config_of

    assert config_of(ns).to_dict() == config_of(parsed).to_dict()
    assert config_of(parsed).validation_windows == 2 and config_of(parsed).network_windows is True
    assert config_of(parsed).dropout == 0.3 and config_of(parsed).dropout_choices == ()  # fixed: no choice
    chosen = build_parser().parse_args(["train", "--model", "tft", "--dataset", "ds-2"])
    assert config_of(chosen).dropout_choices == (0.1, 0.3)  # the standard preset chooses on small panels


@pytest.mark.parametrize("value", ["1", "-0.1", "lots"])
def test_a_dropout_outside_0_to_1_is_refused_naming_the_option(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["refresh", "new.csv", "--models", "tft", "--dropout", value])
    assert exit_.value.code == 2 and "--dropout" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-2", "three"])
def test_validation_windows_below_one_is_refused_naming_the_option(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["train", "--model", "lightgbm", "--validation-windows", value])
    assert exit_.value.code == 2 and "--validation-windows" in capsys.readouterr().err


def test_refresh_refuses_an_unknown_model_before_storing_anything(workspace, capsys):
    assert main(["refresh", "missing.csv", "--dataset", "x", "--models", "tft,prophet"]) == 2
    assert "--models: unknown prophet" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["sample", "ingest", "datasets", "check", "train", "evaluate", "recommend",
                                     "scenario", "refresh", "export-parquet", "workspace"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and "usage: python -m dashboard " + command in capsys.readouterr().out


def test_no_option_shadows_the_command_handler():
    """``scenario --run RUN`` once replaced the function that runs the command (``set_defaults``) with a run id."""
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in action.choices.items():
        assert "handler" not in {a.dest for a in sub._actions}, name
        assert callable(sub.get_default("handler")), name
