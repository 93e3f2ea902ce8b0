"""Every word drawn on a picture, in French and English (``--lang fr|en``)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "student": {"fr": "votre code", "en": "your code"},
    "reference": {"fr": "référence", "en": "reference"},
    "departs": {"fr": "s'écarte ici (pas {k})", "en": "departs here (step {k})"},
    "same_path": {"fr": "identique à la référence", "en": "same as the reference"},
    "missing": {"fr": "non tracé : {reason}", "en": "not drawn: {reason}"},
    "step": {"fr": "pas", "en": "step"},
    "n_steps": {"fr": "{n} pas", "en": "{n} steps"},
    "differs": {"fr": "diffère de la référence", "en": "differs from the reference"},
    "written": {"fr": "image de {exercise} : {path}", "en": "picture of {exercise}: {path}"},
    "no_file": {"fr": "pas de fichier {name}", "en": "no file {name}"},
    "not_written": {"fr": "{where} n'est pas encore écrite (NotImplementedError)",
                    "en": "{where} is not written yet (NotImplementedError)"},
    "not_defined": {"fr": "{where} n'est pas définie", "en": "{where} is not defined"},
    "failed": {"fr": "{status} : {error}", "en": "{status}: {error}"},
    "status_error": {"fr": "erreur", "en": "error"},
    "status_timeout": {"fr": "temps dépassé", "en": "timeout"},
    "status_crashed": {"fr": "le processus s'est arrêté", "en": "crashed"},
    "status_invalid": {"fr": "valeur invalide", "en": "invalid value"},
    "status_syntax_error": {"fr": "erreur de syntaxe", "en": "syntax error"},
    "status_import_error": {"fr": "erreur à l'import", "en": "import error"},
    "status_forbidden_import": {"fr": "import interdit", "en": "forbidden import"},
    "status_missing": {"fr": "absente", "en": "missing"},
    "absent": {"fr": "pas d'image de {exercise} : {reason}", "en": "no picture of {exercise}: {reason}"},
    # optimizers (ex11, figures 3.5-3.8)
    "opt_title": {
        "fr": "Exercice 11 : trajectoires de vos optimiseurs (figures 3.5 à 3.8)",
        "en": "Exercise 11: paths of your optimizers (figures 3.5 to 3.8)",
    },
    "quadratic": {"fr": "bol allongé 1/2 (x² + 10 y²)", "en": "elongated bowl 1/2 (x² + 10 y²)"},
    "valley": {"fr": "vallée (1 - x)² + 5 (y - x²)²", "en": "valley (1 - x)² + 5 (y - x²)²"},
    "sgd": {"fr": "descente de gradient", "en": "gradient descent"},
    "momentum": {"fr": "momentum", "en": "momentum"},
    "nesterov": {"fr": "Nesterov", "en": "Nesterov"},
    "adagrad": {"fr": "Adagrad", "en": "Adagrad"},
    "rmsprop": {"fr": "RMSprop", "en": "RMSprop"},
    "adam": {"fr": "Adam", "en": "Adam"},
    # learning rate (ex06, figure 3.1)
    "lr_title": {
        "fr": "Exercice 6 : votre descente de gradient sur C(w) = (w - 3)² (figure 3.1)",
        "en": "Exercise 6: your gradient descent on C(w) = (w - 3)² (figure 3.1)",
    },
    "lr_small": {"fr": "α = {lr:g} (petit) : converge lentement",
                 "en": "α = {lr:g} (small): converges slowly"},
    "lr_good": {"fr": "α = {lr:g} (grand) : oscille et converge",
                "en": "α = {lr:g} (large): oscillates, converges"},
    "lr_large": {"fr": "α = {lr:g} (trop grand) : diverge", "en": "α = {lr:g} (too large): diverges"},
    "cost": {"fr": "coût C(w)", "en": "cost C(w)"},
    "weight": {"fr": "poids w", "en": "weight w"},
    # activations (ex02, ex07, figure 1.5)
    "act_title_ex02": {
        "fr": "Exercice 2 : votre sigmoïde et sa dérivée (figure 1.5)",
        "en": "Exercise 2: your sigmoid and its derivative (figure 1.5)",
    },
    "act_title_ex07": {
        "fr": "Exercice 7 : vos fonctions d'activation et leurs dérivées (figure 1.5)",
        "en": "Exercise 7: your activation functions and their derivatives (figure 1.5)",
    },
    "shape": {"fr": "forme {got} au lieu de {want}", "en": "shape {got} instead of {want}"},
    "derivative": {"fr": "dérivée de {name}", "en": "derivative of {name}"},
    # gradient check (ex09, section 2.3.4)
    "ng_title": {
        "fr": "Exercice 9 : descente de gradient avec votre gradient numérique (h = {h:g})",
        "en": "Exercise 9: gradient descent with your numerical gradient (h = {h:g})",
    },
    # training (ex14, ex15): a learning curve by training-set size, not per epoch
    "tr_title_ex14": {
        "fr": "Exercice 14 : exactitude de votre réseau selon la taille de l'ensemble d'entraînement",
        "en": "Exercise 14: accuracy of your network against the training-set size",
    },
    "tr_title_ex15": {
        "fr": ("Exercice 15 : exactitude de votre couche de sortie selon la taille de l'ensemble "
               "d'entraînement"),
        "en": "Exercise 15: accuracy of your new output layer against the training-set size",
    },
    "tr_heldout": {"fr": "sur des images inédites (jamais apprises)",
                   "en": "on held-out images (never trained on)"},
    "tr_train": {"fr": "sur les images d'entraînement (celles apprises)",
                 "en": "on the training images (the ones learnt)"},
    "tr_size": {"fr": "taille de l'ensemble d'entraînement (images)", "en": "training-set size (images)"},
    "tr_accuracy": {"fr": "exactitude (%)", "en": "accuracy (%)"},
    "tr_threshold": {"fr": "seuil de la vérification ({pct} %, toutes les images)",
                     "en": "the check's threshold ({pct} %, all images)"},
    "tr_same": {"fr": "à {pts} points près de la référence", "en": "within {pts} points of the reference"},
}


def t(key: str, lang: str, **fields: object) -> str:
    """The text of ``key`` in ``lang`` (``fr`` or ``en``), with ``fields`` filled in."""
    return TEXT[key][lang].format(**fields)
