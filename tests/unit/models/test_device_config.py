"""The configuration a network trains with on a GPU (models/torch_process.device_config): checked on any machine."""
import math

from dashboard.schema import preset_config
from models.torch_process import device_config


def test_cpu_keeps_the_preset():
    cfg = preset_config("tft", "standard")
    assert device_config(cfg, "cpu") is cfg


def test_gpu_scales_batch_and_rate_and_keeps_windows_per_epoch():
    cfg = preset_config("tft", "standard")
    gpu = device_config(cfg, "cuda")
    assert gpu.batch_size == 4 * cfg.batch_size
    assert gpu.limit_train_batches * gpu.batch_size == cfg.limit_train_batches * cfg.batch_size
    assert math.isclose(gpu.learning_rate, 2 * cfg.learning_rate)
    assert (gpu.max_epochs, gpu.patience, gpu.hidden_size) == (cfg.max_epochs, cfg.patience, cfg.hidden_size)
    assert device_config(gpu, "cuda") == gpu  # applied once only


def test_whole_epochs_and_opt_out():
    thorough = preset_config("tft", "thorough")
    assert device_config(thorough, "cuda").limit_train_batches is None
    plain = preset_config("lstm", "fast", gpu_batch_scale=1)
    assert device_config(plain, "cuda") == plain
