"""Call recordings: where their bytes live (``store``, ``s3_store``), their rows
(``records``) and the retention sweep (``retention``)."""
