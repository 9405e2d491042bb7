/* cli.h: what the kiln command's files share: aligned text tables. */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stdio.h>

typedef struct cli_table cli_table;

/* A table of ncols columns with the given headers (const char * each). */
cli_table *cli_table_new(int ncols, ...);
/* Appends a row of ncols strings (copied). */
void cli_table_row(cli_table *t, ...);
void cli_table_print(const cli_table *t, FILE *out);
void cli_table_free(cli_table *t);

#endif
