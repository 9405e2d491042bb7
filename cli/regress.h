/* regress.h: the `kiln regress` command (regress.c), hooked into main.c's table. */
#ifndef KILN_CLI_REGRESS_H
#define KILN_CLI_REGRESS_H

/* argv[0] is "regress"; returns the exit status. */
int cli_regress(int argc, char **argv);

#endif
