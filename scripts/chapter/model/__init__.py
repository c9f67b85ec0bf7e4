"""What the chapter computes. expressions is the formula language; attention (Problem 1's
pattern registry, masks and counts) and rnn2d (Problem 2) are written in it, each on its
own; kernels are Problem 1's attention kernels, practice the practice questions drawn
from both problems, expression_tex their formulas as TeX, bench the timing of it all."""
