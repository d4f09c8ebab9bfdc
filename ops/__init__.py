"""Operations glue: the processes `make run` starts, under supervisord."""
