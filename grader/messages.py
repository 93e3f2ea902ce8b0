"""Feedback for one check's outcome, in French and English (trusted, parent side).

Every message names the exercise and the check, says what happened (expected vs got when a value came
back), points to the report section to reread, and adds the check's hint where it helps.
"""

from __future__ import annotations

from grader.model import Check, Exercise, Outcome, Text

_WHAT: dict[Outcome, Text] = {
    Outcome.PASSED: Text("réussi.", "passed."),
    Outcome.FAILED: Text("valeur incorrecte : {detail}.", "wrong value: {detail}."),
    Outcome.NOT_IMPLEMENTED: Text(
        "pas encore implémenté (la fonction lève encore NotImplementedError).",
        "not implemented yet (the function still raises NotImplementedError).",
    ),
    Outcome.MISSING: Text(
        "introuvable : {detail}. Gardez le nom du fichier et de la fonction du squelette.",
        "missing: {detail}. Keep the file and function names of the stub.",
    ),
    Outcome.ERROR: Text(
        "votre code a levé une exception : {detail}.", "your code raised an exception: {detail}."
    ),
    Outcome.INVALID: Text(
        "valeur renvoyée invalide (type, forme, NaN ou infini) : {detail}.",
        "invalid return value (type, shape, NaN or infinity): {detail}.",
    ),
    Outcome.TIMEOUT: Text(
        "temps dépassé ({detail}) : cherchez une boucle infinie ou un calcul trop lent.",
        "timed out ({detail}): look for an infinite loop or a computation that is too slow.",
    ),
    Outcome.CRASHED: Text(
        "le processus de votre code s'est arrêté brutalement ({detail}).",
        "the process running your code died ({detail}).",
    ),
    Outcome.SYNTAX_ERROR: Text(
        "le module ne compile pas : {detail}.", "the module does not compile: {detail}."
    ),
    Outcome.IMPORT_ERROR: Text(
        "l'import du module a échoué : {detail}.", "importing the module failed: {detail}."
    ),
    Outcome.FORBIDDEN_IMPORT: Text(
        "import interdit : {detail}. Écrivez l'exercice avec NumPy, math et Numba.",
        "forbidden import: {detail}. Write the exercise with NumPy, math and Numba.",
    ),
}

_TIMING_FAILED = Text(
    "échec (valeur ou vitesse par rapport au noyau de référence) : {detail}.",
    "failed (value, or speed against the reference kernel): {detail}.",
)
_REREAD = Text("Relisez la section {section} du rapport.", "Reread section {section} of the report.")
_HINT = Text("Indice : {hint}", "Hint: {hint}")
_NEEDS_HINT = {Outcome.FAILED, Outcome.INVALID, Outcome.ERROR, Outcome.TIMEOUT, Outcome.NOT_IMPLEMENTED}


def feedback(exercise: Exercise, check: Check, outcome: Outcome, detail: str, lang: str) -> str:
    """One paragraph of feedback in ``lang`` (``"fr"`` or ``"en"``) for ``outcome`` of ``check``."""
    head = f"{exercise.title(lang)} [{check.name}]"
    template = _TIMING_FAILED if check.timing and outcome is Outcome.FAILED else _WHAT[outcome]
    what = template(lang).format(detail=detail.strip().rstrip(".") or "-")
    if outcome is Outcome.PASSED:
        return f"{head} : {what}" if lang == "fr" else f"{head}: {what}"
    parts = [f"{head} : {what}" if lang == "fr" else f"{head}: {what}"]
    parts.append(_REREAD(lang).format(section=check.section or exercise.section))
    if outcome in _NEEDS_HINT:
        parts.append(_HINT(lang).format(hint=check.hint(lang)))
    return " ".join(parts)
