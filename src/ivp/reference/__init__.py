"""Reference data: municipalities of 2020, cohorts, codebook, regions, national agendas, published figures."""
