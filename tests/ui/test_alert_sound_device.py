"""The alarm reaches an audio device: played through a PulseAudio null sink and recorded back.

A machine without a sound card can still prove a sound was played: a private PulseAudio server
with a null sink takes the console's output, and its monitor source records it. The console runs
in its own process (its QtMultimedia start-up warnings stay there, and it talks only to this
server). Without PulseAudio or QtMultimedia the test skips with a message, except under CI
(``CI=true``), where that fails the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

RATE = 44100
SINK = "ward"

PLAYER = """
import json, sys
from PySide6.QtCore import QElapsedTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

warnings = []

def keep(kind, context, text):
    if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        warnings.append(text)

qInstallMessageHandler(keep)
app = QApplication([])
from wardconsole.domain.records import Severity
from wardconsole.ui.escalations.alerts import open_alert_sound

sound = open_alert_sound()
result = {"available": sound.available, "status": sound.status_text, "played": False}
if sound.available:
    sound.play(Severity.EMERGENCY)
    clock = QElapsedTimer()
    clock.start()
    while not sound.playing and clock.elapsed() < 10_000:
        app.processEvents()
    result["played"] = sound.playing
    while sound.playing and clock.elapsed() < 20_000:
        app.processEvents()
result["status_after"] = sound.status_text
result["warnings"] = warnings
print(json.dumps(result))
"""


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def null_sink(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private PulseAudio server whose default sink is a null sink; yields the client env."""
    missing = [tool for tool in ("pulseaudio", "parec", "pactl") if shutil.which(tool) is None]
    if missing:
        _unavailable(
            f"PulseAudio not installed ({', '.join(missing)} missing): "
            "apt-get install pulseaudio to test the alarm sound"
        )
    if importlib.util.find_spec("PySide6.QtMultimedia") is None:  # found, not loaded here
        _unavailable("QtMultimedia is not installed: pip install PySide6-Addons")
    runtime = tmp_path / "pulse"
    runtime.mkdir()
    # The server refuses to start while PULSE_SERVER names a server, so only clients get it.
    server_env = {**os.environ, "PULSE_RUNTIME_PATH": str(runtime)}
    server_env.pop("PULSE_SERVER", None)
    env = {
        **server_env,
        "PULSE_SERVER": f"unix:{runtime / 'native'}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    started = subprocess.run(
        [
            "pulseaudio",
            "--start",
            "--exit-idle-time=-1",
            "-n",
            f"--load=module-null-sink sink_name={SINK}",
            "--load=module-native-protocol-unix",
        ],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if started.returncode != 0:
        _unavailable(f"PulseAudio did not start: {started.stderr.strip()[-200:]}")
    try:
        subprocess.run(["pactl", "set-default-sink", SINK], env=env, check=True, timeout=30)
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=server_env, check=False, timeout=30)


def test_the_emergency_alert_is_heard_on_the_audio_device(null_sink, tmp_path: Path) -> None:
    recording = tmp_path / "alert.raw"
    with recording.open("wb") as out:
        recorder = subprocess.Popen(
            [
                "parec",
                "-d",
                f"{SINK}.monitor",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=2",
            ],
            stdout=out,
            env=null_sink,
        )
        try:
            played = subprocess.run(
                [sys.executable, "-c", PLAYER],
                env=null_sink,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            recorder.terminate()
            recorder.wait(timeout=30)
    assert played.returncode == 0, played.stderr
    result = json.loads(played.stdout.strip().splitlines()[-1])
    if "audio library missing" in result["status"]:
        _unavailable(f"{result['status']}: install libpulse0")
    assert result["status"] == "Sound on"
    assert result["played"], "the alert never started playing"
    assert result["status_after"] == "Sound on"
    # QtMultimedia says once that it cannot load PipeWire and falls back to PulseAudio.
    assert all("pipewire" in text.lower() for text in result["warnings"]), result["warnings"]

    samples = np.frombuffer(recording.read_bytes(), dtype="<i2").astype(np.float64) / 32768
    assert samples.size > RATE, "less than half a second was recorded"
    peak = float(np.abs(samples).max())
    window = RATE * 2 // 10  # the loudest 100 ms (stereo frames)
    energy = np.convolve(samples**2, np.ones(window) / window, mode="valid")
    loudest_rms = float(np.sqrt(energy.max()))
    print(f"recorded alert: peak {peak:.2f} of full scale, loudest 100 ms RMS {loudest_rms:.2f}")
    assert peak > 0.5
    assert loudest_rms > 0.1
