"""IMF compositions and editorial timelines -> events resolved to the delivery's assets.

Between the engine and the approvals in the pipeline: timelines are read in the engine's
bounded workers (`load`), their clips resolved against the delivery's file names (`resolve`),
and the cut consulted while assets are judged (`cut`) and reported after (`cut_report`).
"""
