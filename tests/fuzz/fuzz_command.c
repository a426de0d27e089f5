/*
 * fuzz_command: config_split_command() on any bytes.  A split never
 * yields more bytes than it was given, and argv ends with NULL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct command	 cmd;
	char		*s, err[CONFIG_ERR_MAX];
	size_t		 i, total = 0;

	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	err[0] = '\0';
	if (config_split_command(s, &cmd, err, sizeof(err)) == 0) {
		if (cmd.argc == 0 || cmd.argv[cmd.argc] != NULL)
			abort();
		for (i = 0; i < cmd.argc; i++)
			total += strlen(cmd.argv[i]);
		if (total > strlen(s))
			abort();
		command_free(&cmd);
	} else if (err[0] == '\0' || cmd.argv != NULL)
		abort();
	free(s);
	return 0;
}
