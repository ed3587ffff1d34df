"""The tensor-path training loop: learning-rate schedule, convergence flag, best weights kept."""
import torch

from dashboard.schema import TrainConfig, preset_config
from models.loop import converged, lr_schedule


def test_cosine_schedule_warms_up_then_decays_to_five_percent():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=0.01)
    sched, per_step = lr_schedule(opt, preset_config("tft", "standard"), 100, plateau=None)
    assert per_step
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] < lrs[2] <= 0.01 + 1e-12          # warm-up
    assert max(lrs) == 0.01 and abs(lrs[-1] - 0.0005) < 1e-4  # decays to 5 %
    assert all(a >= b - 1e-12 for a, b in zip(lrs[3:], lrs[4:]))


def test_plateau_schedule_is_the_networks_own():
    marker = object()
    cfg = TrainConfig(lr_schedule="plateau")
    assert lr_schedule(None, cfg, 10, plateau=marker) == (marker, False)


def test_converged_when_the_best_loss_stops_moving():
    h = lambda vals: [{"val_loss": v} for v in vals]  # noqa: E731
    assert not converged(h([5, 4, 3, 2, 1]), patience=2)          # still falling fast
    assert converged(h([5, 4, 3, 2.99, 2.98, 3.0]), patience=2)   # < 2 % better over the last 2
    assert converged(h([5, 4, 3, 3.5, 3.4]), patience=2)         # early stopping would fire
    assert not converged(h([5, 4]), patience=2)


def test_a_blow_up_rolls_back_to_the_best_weights_at_half_the_rate(monkeypatch):
    """Validation loss x100 after epoch 2: the loop restores epoch 2's weights and halves the learning rate."""
    from models import loop

    class Arrays:
        device = torch.device("cpu")

        def __len__(self):
            return 64

        def sample(self, n, gen):
            return {"encoder_lengths": torch.ones(n)}, None

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def configure_optimizers(self):
            return {"optimizer": torch.optim.SGD(self.parameters(), lr=0.1)}

        def loss(self, pred, y):
            return (pred ** 2).sum()

        def forward(self, x):
            return {"prediction": self.w}

    vals = iter([5.0, 4.0, 400.0, 3.9, 3.8])
    monkeypatch.setattr(loop, "validation_loss", lambda net, windows, bs, normalised: next(vals))
    net = Net()
    cfg = TrainConfig(max_epochs=5, patience=4, batch_size=32, limit_train_batches=1, lr_schedule="cosine",
                      loss_scale="units")  # a stand-in network without pytorch-forecasting's normaliser
    log = loop.fit_network(net, Arrays(), Arrays(), cfg)
    assert log["history"][2].get("rolled_back") and not log["history"][1].get("rolled_back")
    assert log["history"][3]["lr"] < log["history"][1]["lr"] / 1.5
    assert log["best_epoch"] == 5 and log["epochs_run"] == 5
