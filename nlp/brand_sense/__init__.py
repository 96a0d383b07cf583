"""Brand-sense disambiguation: does an ambiguous alias (a brand name that is also an ordinary word,
such as سهم "share", رفيق "companion", زين "good") name the brand in this post?

A small logistic model over the words around the alias, the alias itself masked, so that what it
learns from real company names (موبايلي, أمازون …) carries over to a deployment's own brand. The brand
matcher asks it only about aliases a brand lists under `ambiguous_aliases`, and only when nothing else
in the post (an include term, the brand's handle) already confirms the brand; `exclude_terms` still
rule a mention out first. Serving is numpy only. Guidelines and labels: `guidelines.md`,
`labeled_posts.jsonl`; fitting and evaluation: `nabd brand-sense fit`, `docs/brand-sense.md`."""
