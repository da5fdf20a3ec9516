# 64 KiB pages, as the distributions ship ppc64le kernels
CONFIG_PPC_64K_PAGES=y
