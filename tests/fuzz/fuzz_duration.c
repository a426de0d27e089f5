/*
 * fuzz_duration: config_parse_duration() on any bytes.  A value it
 * accepts must have a sign that matches the input's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s, err[CONFIG_ERR_MAX];
	duration_ns	 d;

	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	err[0] = '\0';
	if (config_parse_duration(s, &d, err, sizeof(err)) == 0) {
		if ((s[0] == '-' && d > 0) || (s[0] != '-' && d < 0))
			abort();
	} else if (err[0] == '\0')
		abort();
	free(s);
	return 0;
}
