"""Procedurally generated R1-format tasks for the bundled tiny model.

Three tasks, each a (user message, assistant response, reference answer) triple:
  reasoning  multi-digit arithmetic and small word problems, worked column by column in <think>,
             answer in <answer>…</answer> or \\boxed{…}
  judge      "is this candidate answer equivalent to the reference?" in the exact prompt format of
             docs (team formats), answered <answer>yes</answer> / <answer>no</answer>
  general    a small non-reasoning task (reverse / uppercase / count letters) after a brief think
Everything is drawn from a seeded random.Random, so the same seed gives the same data.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

JUDGE_TEMPLATE = (
    "Reference answer: {reference}\nCandidate answer: {candidate}\n"
    "Is the candidate answer equivalent to the reference? Reply yes or no."
)


@dataclass(frozen=True)
class Example:
    task: str
    user: str
    think: str
    answer: str  # the final answer text (what a judge compares)
    boxed: bool

    def response(self) -> str:
        """The assistant turn after the template's '<think>\\n' prefill."""
        final = f"\\boxed{{{self.answer}}}" if self.boxed else f"<answer>{self.answer}</answer>"
        return f"{self.think}\n</think>\n{final}"


# ---------------------------------------------------------------- reasoning

def _digits(n: int) -> list[int]:
    return [int(c) for c in reversed(str(n))]


def add_steps(a: int, b: int) -> str:
    da, db = _digits(a), _digits(b)
    carry, steps = 0, []
    for i in range(max(len(da), len(db))):
        x = da[i] if i < len(da) else 0
        y = db[i] if i < len(db) else 0
        s = x + y + carry
        expr = f"{x}+{y}" + (f"+{carry}" if carry else "")
        steps.append(f"{expr}={s}, write {s % 10}" + (", carry 1." if s >= 10 else "."))
        carry = s // 10
    if carry:
        steps.append("Write carry 1.")
    return " ".join(steps) + f" So {a}+{b}={a + b}."


def sub_steps(a: int, b: int) -> str:
    da, db = _digits(a), _digits(b)
    borrow, steps = 0, []
    for i in range(len(da)):
        x = da[i] - borrow
        y = db[i] if i < len(db) else 0
        if x >= y:
            steps.append(f"{x}-{y}={x - y}.")
            borrow = 0
        else:
            steps.append(f"{x}<{y}, borrow: {x + 10}-{y}={x + 10 - y}.")
            borrow = 1
    return " ".join(steps) + f" So {a}-{b}={a - b}."


def mul_steps(a: int, b: int) -> str:
    """a is one digit, b has up to three."""
    db = _digits(b)
    carry, steps = 0, []
    for y in db:
        s = a * y + carry
        expr = f"{a}*{y}" + (f"+{carry}" if carry else "")
        steps.append(f"{expr}={s}, write {s % 10}" + (f", carry {s // 10}." if s >= 10 else "."))
        carry = s // 10
    if carry:
        steps.append(f"Write carry {carry}.")
    return " ".join(steps) + f" So {a}*{b}={a * b}."


NAMES = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Max", "Nia", "Omar", "Pia"]
THINGS = ["apples", "books", "coins", "eggs", "pens", "shells", "stamps", "cards", "beads", "marbles"]


def _number(rng: random.Random, max_digits: int) -> int:
    d = rng.choices(range(1, max_digits + 1), [0.3, 0.5, 0.2][:max_digits])[0]
    return rng.randint(10 ** (d - 1) if d > 1 else 0, 10**d - 1)


def reasoning(rng: random.Random) -> Example:
    kind = rng.choices(["add", "sub", "mul", "word_add", "word_sub"], [3, 2, 2, 2, 1])[0]
    boxed = rng.random() < 0.3
    suffix = " Put the final answer in \\boxed{}." if boxed else ""
    if kind in ("add", "word_add"):
        a, b = _number(rng, 3), _number(rng, 3)
        think, ans = add_steps(a, b), a + b
    elif kind in ("sub", "word_sub"):
        a, b = sorted((_number(rng, 3), _number(rng, 3)), reverse=True)
        think, ans = sub_steps(a, b), a - b
    else:
        a, b = rng.randint(2, 9), _number(rng, 3)
        think, ans = mul_steps(a, b), a * b
    if kind == "word_add":
        n, t = rng.choice(NAMES), rng.choice(THINGS)
        user = f"{n} has {a} {t} and gets {b} more. How many {t} does {n} have now?"
        think = f"{a}+{b}. " + think
    elif kind == "word_sub":
        n, t = rng.choice(NAMES), rng.choice(THINGS)
        user = f"{n} had {a} {t} and gave away {b}. How many {t} are left?"
        think = f"{a}-{b}. " + think
    else:
        op = {"add": "+", "sub": "-", "mul": "*"}[kind]
        user = rng.choice(["What is {a} {op} {b}?", "Compute {a} {op} {b}.", "Calculate {a} {op} {b}."]).format(a=a, op=op, b=b)
    return Example("reasoning", user + suffix, think, str(ans), boxed)


# ---------------------------------------------------------------- judge

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n: int) -> str:
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])


def canon(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def render(v: Fraction, rng: random.Random) -> str:
    """One written form of the value v."""
    forms = []
    if v.denominator == 1:
        n = v.numerator
        forms += [str(n), f"{n}.0"] + ([words(n)] if n < 100 else [])
    else:
        forms += [f"{v.numerator}/{v.denominator}", f"\\frac{{{v.numerator}}}{{{v.denominator}}}"]
        d = v.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:  # terminating decimal
            forms.append(f"{float(v):g}")
            if (v * 100).denominator == 1:
                forms.append(f"{int(v * 100)}%")
    return rng.choice(forms)


def _value(rng: random.Random) -> Fraction:
    if rng.random() < 0.5:
        return Fraction(rng.randint(0, 99))
    q = rng.choice([2, 3, 4, 5, 8, 10])
    return Fraction(rng.randint(1, 2 * q - 1), q)


def _other(v: Fraction, rng: random.Random) -> Fraction:
    while True:
        w = rng.choice([v + 1, v - 1, v * 10, v / 2, 1 / v if v else v + 2, _value(rng)])
        if w != v and w >= 0:
            return w


def judge(rng: random.Random) -> Example:
    v = _value(rng)
    same = rng.random() < 0.5
    w = v if same else _other(v, rng)
    ref, cand = render(v, rng), render(w, rng)
    think = f"Reference {ref} is {canon(v)}. Candidate {cand} is {canon(w)}. " + ("Same value." if same else "Different values.")
    return Example("judge", JUDGE_TEMPLATE.format(reference=ref, candidate=cand), think, "yes" if same else "no", False)


# ---------------------------------------------------------------- general (non-reasoning)

SYLLABLES = ["ba", "ko", "ri", "mu", "ten", "sa", "lo", "pi", "dan", "fe", "gor", "hi", "ju", "ne", "vo", "wil", "zy", "qua", "st", "ex"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))


def general(rng: random.Random) -> Example:
    w = word(rng)
    kind = rng.choice(["reverse", "upper", "count"])
    if kind == "reverse":
        return Example("general", f"Reverse the word: {w}", f"Reverse the letters of {w}.", w[::-1], False)
    if kind == "upper":
        return Example("general", f"Write in uppercase: {w}", f"Uppercase {w}.", w.upper(), False)
    return Example("general", f"How many letters are in {w}?", f"{'-'.join(w)}: {len(w)} letters.", str(len(w)), False)


TASKS = {"reasoning": reasoning, "judge": judge, "general": general}


def mixed(rng: random.Random) -> Example:
    return TASKS[rng.choices(["reasoning", "judge", "general"], [0.6, 0.25, 0.15])[0]](rng)
