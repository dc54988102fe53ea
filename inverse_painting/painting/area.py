"""The mask-area-from-interval rule: how much of the canvas a step of ``dt`` seconds paints.

Fitted by ``train`` on the training steps (the share of the canvas each step visibly painted,
the ``painted_mask`` column) and saved with the model, as a log-linear model

    log area = c0 + c_first * [first step] + c_dt * log dt + c_left * log outstanding

where ``outstanding`` is the share of the canvas still far from the target, D(target, current,
0.2) (the ``outstanding_mask`` column). A longer interval asks for a larger mask (``c_dt`` > 0:
fewer, larger steps, as in the paper's Fig. 9), and the steps shrink with what is left. The
rule gives the median step (``mean=True`` adds sigma^2 / 2 to ``c0``, the mean of log-normal
residuals). After the first step the area is capped at ``max_step_area`` and never exceeds
what is left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class AreaRule:
    c0: float = float(np.log(0.25))
    c_first: float = 0.0
    c_dt: float = 0.5
    c_left: float = 0.8
    residual_std: float = 0.0
    min_area: float = 0.02
    max_step_area: float = 0.33  # painted share after the first step (D(next, current) sees ~1.2-1.5x more)
    fitted_on: int = 0  # training steps the rule was fitted on (0: these defaults)

    def area(self, dt: float, outstanding: float, first: bool) -> float:
        """The share of the canvas a step of ``dt`` seconds paints with ``outstanding`` left."""
        left = float(np.clip(outstanding, 1e-3, 1.0))
        log_a = self.c0 + self.c_first * first + self.c_dt * np.log(max(dt, 1e-3)) + self.c_left * np.log(left)
        cap = 1.0 if first else self.max_step_area
        return float(np.clip(np.exp(log_a), self.min_area, min(cap, max(left, self.min_area))))

    def to_dict(self) -> dict:
        return {k: float(v) if isinstance(v, (float, np.floating)) else v for k, v in asdict(self).items()}

    @classmethod
    def fit(cls, dt, area, outstanding, step, min_area: float = 0.005, mean: bool = False,
            **caps) -> "AreaRule":
        """Least squares in log space over the steps that painted at least ``min_area``; the
        defaults when fewer than five steps qualify."""
        dt, area, outstanding, step = (np.asarray(x, np.float64) for x in (dt, area, outstanding, step))
        keep = (area >= min_area) & (dt > 0) & (outstanding > 0)
        if keep.sum() < 5:
            return cls(**caps)
        x = np.stack([np.ones(keep.sum()), (step[keep] == 0).astype(float), np.log(dt[keep]),
                      np.log(np.clip(outstanding[keep], 1e-3, 1))], 1)
        y = np.log(area[keep])
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        resid = float(np.std(y - x @ coef))
        if mean:
            coef[0] += resid ** 2 / 2
        return cls(*(float(c) for c in coef), residual_std=resid, fitted_on=int(keep.sum()), **caps)
