"""The statistical coder: TF-IDF on word (1-2) and character (2-5, within words) n-grams with
multinomial logistic regression (scikit-learn), trained on hand-coded speerpunten."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ivp.coding.text import normalise_text
from ivp.reference.municipalities import theme_codes


def build_classifier():
    """Unfitted scikit-learn pipeline: TF-IDF on words (1-2) and characters (2-5 within words) of the
    normalised title, then multinomial logistic regression (lbfgs, deterministic)."""
    # scikit-learn is imported here and in evaluate.py's functions, not at the top of a module: every `ivp`
    # command imports this package (to register `ivp codeer`), and `python -X importtime -c "import
    # sklearn.linear_model"` measured 2.1-3.4 s (1.0-1.2 s on top of what `ivp` imports anyway); again, median
    # of 3: 1271 ms alone, 881 ms after `import ivp.cli` (what `ivp validate data/raw` imports).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("woorden", TfidfVectorizer(preprocessor=normalise_text, analyzer="word", ngram_range=(1, 2),
                                    sublinear_tf=True, token_pattern=r"[a-z0-9]+")),
        ("letters", TfidfVectorizer(preprocessor=normalise_text, analyzer="char_wb", ngram_range=(2, 5),
                                    sublinear_tf=True)),
    ])
    return Pipeline([("kenmerken", features),
                     ("model", LogisticRegression(C=10.0, max_iter=5000))])


def _one_thread():
    """BLAS limited to one thread: the problem is tiny, and on a busy machine the threads of OpenBLAS
    made fitting ten times slower. Results do not depend on it."""
    return threadpool_limits(limits=1)


@dataclass
class StatisticalCoder:
    """A fitted classifier and the themes it knows (a theme absent from training gets probability 0)."""

    pipeline: object
    classes: list[str]

    @property
    def feature_names(self) -> np.ndarray:
        if not hasattr(self, "_names"):
            self._names = self.pipeline.named_steps["kenmerken"].get_feature_names_out()
        return self._names

    @classmethod
    def fit(cls, texts: pd.Series, labels: pd.Series) -> StatisticalCoder:
        labels = pd.Series(labels).astype(str).tolist()
        if len(set(labels)) < 2:
            raise ValueError("het statistische model heeft handcodes van minstens twee thema's nodig")
        with _one_thread():
            pipeline = build_classifier().fit(pd.Series(texts).astype(str).tolist(), labels)
        return cls(pipeline, [str(c) for c in pipeline.classes_])

    def proba(self, texts) -> pd.DataFrame:
        """One row per text, one column per codebook theme (probabilities summing to 1)."""
        with _one_thread():
            raw = self.pipeline.predict_proba(pd.Series(texts).astype(str).tolist())
        out = pd.DataFrame(0.0, index=range(len(raw)), columns=theme_codes())
        out[self.classes] = raw
        return out

    def reasons(self, text: str, thema: str, n: int = 3) -> str:
        """The features of ``text`` that pushed most towards ``thema`` (coefficient x tf-idf value)."""
        if thema not in self.classes:
            return "model: thema niet in de trainingsdata"
        features = self.pipeline.named_steps["kenmerken"]
        model = self.pipeline.named_steps["model"]
        x = features.transform([text]).tocsr()
        coef = model.coef_[self.classes.index(thema)] if model.coef_.shape[0] > 1 else model.coef_[0]
        contributions = sorted(((x.data[k] * coef[j], j) for k, j in enumerate(x.indices)), reverse=True)
        names = self.feature_names
        shown = []
        for value, j in contributions:
            if value <= 0 or len(shown) == n:
                break
            kind, feature = names[j].split("__", 1)
            shown.append(f"'{feature.strip()}'" if kind == "letters" else feature)
        return "model: " + (", ".join(dict.fromkeys(shown)) if shown else "geen kenmerk wijst sterk")
