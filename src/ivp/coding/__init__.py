"""Automatic theme coding of speerpunten (``ivp codeer``), and its measured agreement with hand coding.

Three coders propose a main theme (``thema``) for a speerpunt title, with a certainty in 0..1 and the
reason (``grond``):

- ``lexicon`` (the default, ``propose.DEFAULT_METHOD``): the transparent Dutch lexicon of
  ``data/lexicon.yaml`` (terms, stems and the decision rules of the codebook); it needs no training data.
- ``statistisch``: TF-IDF on word (1-2) and character (2-5, within words) n-grams with multinomial
  logistic regression (scikit-learn), trained on hand-coded speerpunten.
- ``combinatie``: the average of the two probability distributions.

The default was chosen by measured agreement: in grouped cross-validation on the shipped sample the
lexicon agreed at least as well as the combination and better than the statistical model, and on
hand-coded priorities of plans outside the sample it agreed best of the three (figures in the README).

Agreement is measured by grouped cross-validation over plans (``GroupKFold``: no speerpunt of a tested
plan is in training), with the measures of content analysis: accuracy, Cohen's kappa, Krippendorff's
alpha (nominal), per-theme precision and recall and the confusion matrix.

Given codes are never changed: only speerpunten with an empty ``thema`` get a proposal.

The parts, each a module (import from them; this package re-exports nothing):

- ``text``: ``normalise_text``, the text as every coder sees it;
- ``lexicon``: the lexicon of ``data/lexicon.yaml`` and ``lexicon_code``;
- ``statistical``: the scikit-learn classifier (``StatisticalCoder``);
- ``propose``: ``propose`` with any of the ``METHODS``, and ``DEFAULT_METHOD``;
- ``evaluate``: agreement measures, grouped cross-validation (``evaluate``) and its tables and text;
- ``coded_input``: reading hand codes and writing the coded input folder (``code_input``);
- ``cli``: the command ``ivp codeer`` (``add_codeer_parser``).
"""
