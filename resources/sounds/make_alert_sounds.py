"""Write the console's alert sounds (resources/sounds/*.wav) with the standard library only.

Three patterns a nurse can tell apart with eyes closed, loud enough for a ward but short:
emergency = three fast high beeps twice, urgent = two middle beeps, advisory = one soft chime.
Deterministic: running this again produces the same bytes (a test checks the committed files).

    python resources/sounds/make_alert_sounds.py [OUTPUT_DIR]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22_050
FADE_S = 0.01

# Each pattern: (frequency Hz or 0 for silence, seconds, loudness 0..1).
PATTERNS: dict[str, list[tuple[float, float, float]]] = {
    "emergency": [(1046.5, 0.12, 0.8), (0, 0.06, 0)] * 3
    + [(0, 0.25, 0)]
    + [(1046.5, 0.12, 0.8), (0, 0.06, 0)] * 3,
    "urgent": [(784.0, 0.18, 0.7), (0, 0.12, 0), (784.0, 0.18, 0.7)],
    "advisory": [(523.25, 0.2, 0.45), (659.25, 0.35, 0.45)],
}


def tone(frequency: float, seconds: float, loudness: float) -> list[int]:
    count = round(seconds * RATE)
    fade = max(1, round(FADE_S * RATE))
    samples = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        value = math.sin(2 * math.pi * frequency * i / RATE) if frequency else 0.0
        samples.append(round(32_767 * loudness * envelope * value))
    return samples


def write(path: Path, pattern: list[tuple[float, float, float]]) -> None:
    samples = [s for part in pattern for s in tone(*part)]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent
    target.mkdir(parents=True, exist_ok=True)
    for name, pattern in PATTERNS.items():
        write(target / f"alert-{name}.wav", pattern)
        print(target / f"alert-{name}.wav")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
