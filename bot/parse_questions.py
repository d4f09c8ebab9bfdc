"""Parse a set of questions with the trained NLU, for the retrieval's calibration.

python -m bot.parse_questions tests/knowledge_base/data/questions_dev.yml OUT.json

Writes each question's intent and confidence as the running assistant would see them (the
retrieval's confidence reads them: knowledge_base/retrieval_evaluation.py --calibrate).
"""

import asyncio
import json
import sys
from pathlib import Path

import yaml
from rasa.core.agent import Agent

MODEL = Path(__file__).resolve().parents[1] / "models" / "current.tar.gz"


async def parse(questions: Path, out: Path) -> int:
    """Parse every question; return how many."""
    agent = Agent.load(str(MODEL))
    texts = [q["text"] for q in yaml.safe_load(questions.read_text(encoding="utf-8"))["questions"]]
    parsed = {}
    for text in texts:
        result = await agent.parse_message(text)
        parsed[text] = {
            "intent": result["intent"]["name"],
            "confidence": round(float(result["intent"]["confidence"]), 4),
        }
    out.write_text(json.dumps(parsed, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(parsed)


if __name__ == "__main__":
    count = asyncio.run(parse(Path(sys.argv[1]), Path(sys.argv[2])))
    print(f"==> {count} questions parsed into {sys.argv[2]}")
