"""The chapter's committed SVG figures, drawn from the model: style (one reproducible
plot style), files (draw in memory, then write every figure together), one module of
FIGURES per problem and the benchmark, grid (any pattern's grid on demand), and catalog
(every figure, for make_figures.py and the staleness test)."""
