"""Every word the grader says about a check's outcome, in French and English (trusted, parent side).

Three catalogues, each entry a :class:`~grader.model.Text` with both languages:

* ``OUTCOME_LABELS``: the outcome in a word or two (tables, status columns);
* ``OUTCOME_SENTENCES``: what happened, with ``{detail}`` where the reason goes;
* ``REASONS``: the reasons ``grader.compare.judge``, the engine and the sandbox compose, keyed by name.
  The English text of an entry is the canonical reason recorded in the journal (``CheckResult.reason``):
  ``parse_reason`` reads the numbers back out of it, so every report renders the same record in either
  language (``grader.render``). ``{where}`` stands for the place inside a nested value: `` at [0]['w']``
  in English, `` en [0]['w']`` in French, nothing at the top level.

``feedback`` is the one-paragraph form of ``grader.render.view`` stored as ``message_fr``/``message_en``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.model import Outcome, Text

if TYPE_CHECKING:
    from grader.model import Check, Exercise

OUTCOME_LABELS: dict[Outcome, Text] = {
    Outcome.PASSED: Text("réussi", "passed"),
    Outcome.FAILED: Text("résultat faux", "wrong result"),
    Outcome.NOT_IMPLEMENTED: Text("non implémenté", "not implemented"),
    Outcome.MISSING: Text("absent", "missing"),
    Outcome.ERROR: Text("erreur", "error"),
    Outcome.INVALID: Text("valeur invalide", "invalid value"),
    Outcome.TIMEOUT: Text("délai dépassé", "timed out"),
    Outcome.CRASHED: Text("processus arrêté", "crashed"),
    Outcome.SYNTAX_ERROR: Text("erreur de syntaxe", "syntax error"),
    Outcome.IMPORT_ERROR: Text("erreur à l'import", "import error"),
    Outcome.FORBIDDEN_IMPORT: Text("import interdit", "forbidden import"),
}

OUTCOME_SENTENCES: dict[Outcome, Text] = {
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

# Most specific first: the first English template that matches a reason as a whole names it.
REASONS: dict[str, Text] = {
    # grader.compare, kind "close"
    "close_array": Text(
        "premier indice faux {index} : attendu {expected}, obtenu {got} ; {wrong}/{size} faux{where} "
        "(écart absolu max {abs_err}, écart relatif max {rel_err} ; rtol {rtol}, atol {atol})",
        "first wrong index {index}: expected {expected}, got {got}; {wrong}/{size} wrong{where} "
        "(max abs err {abs_err}, max rel err {rel_err}; rtol {rtol}, atol {atol})",
    ),
    "close_array_abs": Text(
        "premier indice faux {index} : attendu {expected}, obtenu {got} ; {wrong}/{size} faux{where} "
        "(écart absolu max {abs_err} ; rtol {rtol}, atol {atol})",
        "first wrong index {index}: expected {expected}, got {got}; {wrong}/{size} wrong{where} "
        "(max abs err {abs_err}; rtol {rtol}, atol {atol})",
    ),
    "close_scalar": Text(
        "attendu {expected}{where}, obtenu {got} (écart absolu max {abs_err}, écart relatif max {rel_err} ; "
        "rtol {rtol}, atol {atol})",
        "expected {expected}{where}, got {got} (max abs err {abs_err}, max rel err {rel_err}; "
        "rtol {rtol}, atol {atol})",
    ),
    "close_scalar_abs": Text(
        "attendu {expected}{where}, obtenu {got} (écart absolu max {abs_err} ; rtol {rtol}, atol {atol})",
        "expected {expected}{where}, got {got} (max abs err {abs_err}; rtol {rtol}, atol {atol})",
    ),
    "non_finite_at": Text(
        "valeur non finie (NaN ou infini){where} (la première à l'indice à plat {index})",
        "non-finite value{where} (first at flat index {index})",
    ),
    "non_finite": Text("valeur non finie{where} : {value}", "non-finite value{where}: {value}"),
    "shape": Text(
        "forme incorrecte{where} : attendu {expected}, obtenu {got}",
        "shape mismatch{where}: expected {expected}, got {got}",
    ),
    "dtype": Text(
        "des nombres étaient attendus{where}, obtenu le type {dtype}",
        "expected numbers{where}, got dtype {dtype}",
    ),
    "ragged": Text("séquence irrégulière{where}", "ragged sequence{where}"),
    "not_array": Text(
        "un tableau était attendu{where}, obtenu {got}", "expected an array{where}, got {got}"
    ),
    # grader.compare, kind "equal"
    "entries_differ": Text(
        "{wrong}/{size} valeurs différentes{where}, la première à l'indice à plat {index} : attendu "
        "{expected}, obtenu {got}",
        "{wrong}/{size} entries differ{where}, first at flat index {index}: expected {expected}, got {got}",
    ),
    "not_number": Text(
        "un nombre était attendu{where}, obtenu {got}", "expected a number{where}, got {got}"
    ),
    "not_dict": Text(
        "un dictionnaire était attendu{where}, obtenu {got}", "expected a dict{where}, got {got}"
    ),
    "keys": Text(
        "clés{where} : attendu {expected}, obtenu {got}", "keys{where}: expected {expected}, got {got}"
    ),
    "not_sequence": Text(
        "une séquence de {count} était attendue{where}, obtenu {got}",
        "expected a sequence of {count}{where}, got {got}",
    ),
    "items": Text(
        "{count} éléments attendus{where}, obtenu {got}", "expected {count} items{where}, got {got}"
    ),
    "arguments_modified": Text(
        "vos fonctions ont modifié leurs arguments{where} (ils doivent rester inchangés)",
        "your functions modified their arguments{where} (they must stay unchanged)",
    ),
    # predicates of the registry
    "accuracy": Text(
        "exactitude sur les données de test {accuracy} < {required} requis",
        "held-out accuracy {accuracy} < required {required}",
    ),
    "predicted_labels": Text(
        "{count} étiquettes prédites attendues, obtenu la forme {shape}",
        "expected {count} predicted labels, got shape {shape}",
    ),
    "predicate_value": Text("valeur inattendue : {inner}", "unexpected value: {inner}"),
    "largest_improvement": Text(
        "le candidat {index} a une amélioration espérée de {ei} ; le candidat {best} a {top}",
        "candidate {index} has expected improvement {ei}; candidate {best} has {top}",
    ),
    "beats_random": Text(
        "{mean} évaluations en moyenne pour atteindre un des 3 % meilleurs candidats (essais : {runs}) ; "
        "la recherche aléatoire en demande {random}, au plus {allowed} sont permises",
        "{mean} evaluations on average to reach one of the best 3% candidates (runs: {runs}); random search "
        "needs {random}, the most allowed is {allowed}",
    ),
    "network_pair": Text(
        "fine_tune_output doit renvoyer (new_Ws, new_bs)", "fine_tune_output must return (new_Ws, new_bs)"
    ),
    "network_lists": Text(
        "new_Ws et new_bs doivent être des listes de même longueur, non vides",
        "new_Ws and new_bs must be lists of the same, non-zero length",
    ),
    "network_layer": Text(
        "couche {layer} : W de forme {w_shape}, b de forme {b_shape} après {width} unités",
        "layer {layer}: W of shape {w_shape}, b of shape {b_shape} after {width} units",
    ),
    "network_outputs": Text(
        "la nouvelle couche de sortie a {width} sorties au lieu de n_classes = {count}",
        "the new output layer has {width} outputs, not n_classes = {count}",
    ),
    "network_not_finite": Text(
        "les sorties du réseau renvoyé sur les images de test ne sont pas finies",
        "the returned network's outputs on the held-out images are not finite",
    ),
    # the engine's timing race (grader.engine.grading)
    "timed_run_value": Text(
        "essai chronométré {run} (nouvelles entrées) : {inner}", "timed run {run} (fresh inputs): {inner}"
    ),
    "timed_run": Text("essai chronométré {run} : {inner}", "timed run {run}: {inner}"),
    # the sandbox's reasons
    "no_answer": Text(
        "aucune réponse en {seconds} s ; le processus a été arrêté",
        "no answer within {seconds} s; the child was killed",
    ),
    "budget_spent": Text(
        "budget de temps de la soumission ({seconds} s) épuisé",
        "time budget of the submission ({seconds} s) spent",
    ),
    "no_module": Text(
        "pas de module {name}.py dans la soumission", "no module {name}.py in the submission"
    ),
    "not_defined": Text("{name} n'est pas défini", "{name} is not defined"),
    "raises_not_implemented": Text("{name} lève NotImplementedError", "{name} raises NotImplementedError"),
    "output_limit": Text(
        "limite d'affichage dépassée (plus de {mb} Mo imprimés)",
        "output limit exceeded (printed more than {mb} MB)",
    ),
    "channel_closed": Text("le processus a fermé son canal", "the child closed its channel"),
    "exit_code": Text(
        "le processus s'est terminé avec le code {code} (sys.exit ou os._exit dans la soumission ?)",
        "the child exited with code {code} (sys.exit or os._exit in the submission?)",
    ),
    "killed_memory": Text(
        "tué (limite de mémoire de {mb} Mo ou autre limite)", "killed (memory limit {mb} MB or another limit)"
    ),
    "segfault": Text("erreur de segmentation", "segmentation fault"),
    "memory_error": Text("MemoryError : limite de mémoire dépassée", "MemoryError: memory limit exceeded"),
    "process_limit": Text(
        "limite de processus ({count}) de la soumission dépassée",
        "process limit ({count}) of the submission exceeded",
    ),
    "memory_limit": Text(
        "limite de mémoire ({mb} Mo) de la soumission dépassée par ses processus",
        "memory limit ({mb} MB) of the submission exceeded by its processes",
    ),
    "malformed_reply": Text(
        "le processus a envoyé une réponse malformée", "the child sent a malformed reply"
    ),
    "ungradable": Text(
        "la valeur renvoyée ne peut pas être notée : {inner}", "returned value cannot be graded: {inner}"
    ),
    "at_import": Text("à l'import : {inner}", "at import: {inner}"),
    # the most general last
    "expected_got": Text("attendu {expected}{where}, obtenu {got}", "expected {expected}{where}, got {got}"),
}

# The speed verdict of a timing check (grader.engine.timing.timed); the clock part is optional.
SPEED = Text(
    "trop lent par rapport au noyau de référence : {student} s contre {reference} s pour la référence"
    "{clock} : {ratio}x (au plus {factor}x pour réussir)",
    "too slow: speed against the reference kernel: {student} s vs {reference} s for the reference{clock}: "
    "{ratio}x (at most {factor}x to pass)",
)
SPEED_CLOCK = Text(
    " (temps {clock}, meilleur de {runs} essais en {rounds} tour(s))",
    " ({clock} time, best of {runs} runs in {rounds} round(s))",
)
_SPEED = re.compile(
    r"(?P<student>[\d.]+) s vs reference (?P<reference>[\d.]+) s"
    r"(?: \((?P<clock>CPU|wall) time, best of (?P<runs>\d+) runs in (?P<rounds>\d+) rounds?\))?"
    r": (?P<ratio>[\d.]+)x \(at most (?P<factor>[\d.]+)x to pass\)"
)
TIMING_WRONG_VALUES = Text(
    "valeurs fausses : le résultat du calcul chronométré diffère de celui du noyau de référence "
    "({wrong} nombre(s) faux sur {size}, écart absolu max {abs_err}) ; la vitesse n'est mesurée que "
    "sur des valeurs justes",
    "wrong values: the result of the timed computation differs from the reference kernel's "
    "({wrong} of {size} numbers wrong, max abs err {abs_err}); speed is measured on correct values only",
)
WHERE = Text(" en {path}", " at {path}")
# The hint for a reason whatever the check, said instead of the check's own hint (about its values).
REASON_HINTS: dict[str, Text] = {
    "arguments_modified": Text(
        "Renvoyez de nouveaux tableaux (w - lr * g) au lieu de modifier w, g ou l'état en place "
        "(-=, +=, [:] =)",
        "Return new arrays (w - lr * g) instead of changing w, g or the state in place (-=, +=, [:] =)",
    ),
}

SMALL: dict[str, Text] = {
    "reread": Text("Relisez la section {section} du rapport.", "Reread section {section} of the report."),
    "hint": Text("Indice : {hint}", "Hint: {hint}"),
    "section": Text("section", "section"),
    "expected": Text("attendu", "expected"),
    "got": Text("obtenu", "got"),
    "tolerance": Text("tolérance", "tolerance"),
    "close": Text("|obtenu - attendu| <= atol + rtol |attendu|, rtol {rtol}, atol {atol}",
                  "|got - expected| <= atol + rtol |expected|, rtol {rtol}, atol {atol}"),
    "exact": Text("égalité exacte", "exact equality"),
    "speed": Text(
        "au plus {factor}x le temps du noyau de référence", "at most {factor}x the reference's time"
    ),
    "index": Text("indice", "index"),
    "shape_of": Text("forme", "shape"),
    "accuracy_vs": Text(
        "exactitude {accuracy} pour {required} requis", "accuracy {accuracy} for {required} required"
    ),
}
_NEEDS_HINT = {Outcome.FAILED, Outcome.INVALID, Outcome.ERROR, Outcome.TIMEOUT, Outcome.NOT_IMPLEMENTED}


def needs_hint(outcome: Outcome) -> bool:
    """Whether a check's hint helps with ``outcome`` (a wrong or missing answer, not a missing file)."""
    return outcome in _NEEDS_HINT


@dataclass(frozen=True)
class Reason:
    """A recorded reason read back: its catalogue key and its parameters as the text held them
    (``inner`` is itself a reason, parsed or not)."""

    key: str
    params: dict[str, str]


_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        name = match.group(1)
        parts.append(r"(?: at (?P<path>.+?))?" if name == "where" else f"(?P<{name}>.+?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = {key: _pattern(text.en) for key, text in REASONS.items()}


def parse_reason(text: str) -> Reason | None:
    """The catalogue entry and parameters of a recorded reason, or ``None`` for any other text (an
    exception's message, a sandbox failure: quoted as it is)."""
    text = " ".join(str(text).split()).rstrip(".")
    speed = _SPEED.fullmatch(text)
    if speed:
        return Reason("speed", {k: v for k, v in speed.groupdict().items() if v is not None})
    for key, pattern in _PATTERNS.items():
        match = pattern.fullmatch(text)
        if match:
            return Reason(key, {k: v for k, v in match.groupdict().items() if v is not None})
    return None


def field_names(text: Text) -> tuple[set[str], set[str]]:
    """The placeholders of the French and the English text of a catalogue entry."""
    return set(_FIELD.findall(text.fr)), set(_FIELD.findall(text.en))


def reason_template(key: str) -> Text:
    """The catalogue entry of ``key`` (``"speed"`` included)."""
    return SPEED if key == "speed" else REASONS[key]


def feedback(exercise: Exercise, check: Check, outcome: Outcome, detail: str, lang: str) -> str:
    """One paragraph of feedback in ``lang`` (``"fr"`` or ``"en"``) for ``outcome`` of ``check``: the
    exercise and check, what happened with its numbers, the section to reread and the hint."""
    from grader.render import paragraph, view

    return paragraph(view(exercise, check, outcome, detail, lang))
