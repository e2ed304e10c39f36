/*
 * test_hostname.c — server/config/hostname.c: the name part of Host and Origin
 * authorities, which names DNS rebinding cannot forge, the --allowed-host
 * list (exact names, any port, "*." suffixes) and loopback listen addresses.
 */
#include "testutil.h"

#include "config/hostname.h"

static void assert_name(const char *authority, const char *want)
{
	char name[HOSTNAME_MAX];

	assert_int_equal(hostname_of(authority, name), 0);
	assert_string_equal(name, want);
}

static void test_the_port_is_cut_off_the_name(void **state)
{
	(void)state;
	assert_name("localhost", "localhost");
	assert_name("localhost:8080", "localhost");
	assert_name("jobs.example.com:", "jobs.example.com");
	assert_name("127.0.0.1:80", "127.0.0.1");
	assert_name("[::1]", "[::1]");
	assert_name("[::1]:8080", "[::1]");
}

static void test_malformed_authorities_have_no_name(void **state)
{
	char name[HOSTNAME_MAX], huge[HOSTNAME_MAX + 8];
	(void)state;
	static const char *const bad[] = {
		"", ":8080", "::1", "a:b:c", "a.example:80x", "[::1", "[::1]x", "[::1]:8a",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hostname_of(bad[i], name), -1);
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(hostname_of(huge, name), -1);
}

static void test_localhost_and_ip_literals_are_names_dns_cannot_forge(void **state)
{
	(void)state;
	assert_true(hostname_is_local_or_ip("localhost"));
	assert_true(hostname_is_local_or_ip("LocalHost"));
	assert_true(hostname_is_local_or_ip("127.0.0.1"));
	assert_true(hostname_is_local_or_ip("10.0.0.7"));
	assert_true(hostname_is_local_or_ip("[::1]"));
	assert_true(hostname_is_local_or_ip("[2001:db8::1]"));
	assert_false(hostname_is_local_or_ip("rebind.attacker.example"));
	assert_false(hostname_is_local_or_ip("localhost.attacker.example"));
	assert_false(hostname_is_local_or_ip("127.0.0.1.nip.io"));
	assert_false(hostname_is_local_or_ip("127.1"));
	assert_false(hostname_is_local_or_ip("::1"));
	assert_false(hostname_is_local_or_ip("[::1"));
	assert_false(hostname_is_local_or_ip("[nope]"));
	assert_false(hostname_is_local_or_ip(""));
}

static void test_the_allowed_list_matches_names_and_suffixes(void **state)
{
	const char *list = "jobs.example.com, *.internal.example ,other.example";
	(void)state;

	assert_true(hostname_in_list("jobs.example.com", list));
	assert_true(hostname_in_list("JOBS.Example.COM", list));
	assert_true(hostname_in_list("other.example", list));
	assert_true(hostname_in_list("a.internal.example", list));
	assert_true(hostname_in_list("b.a.internal.example", list));
	assert_false(hostname_in_list("internal.example", list));
	assert_false(hostname_in_list("xinternal.example", list));
	assert_false(hostname_in_list("example.com", list));
	assert_false(hostname_in_list("jobs.example.com.evil.example", list));
	assert_false(hostname_in_list("evil-jobs.example.com", list));
	assert_false(hostname_in_list("", list));
	assert_false(hostname_in_list("jobs.example.com", ""));
}

static void test_the_allowed_list_is_checked_at_start_up(void **state)
{
	char err[ERR_LEN];
	(void)state;

	assert_int_equal(hostname_list_check("", err), 0);
	assert_int_equal(hostname_list_check("jobs.example.com", err), 0);
	assert_int_equal(hostname_list_check("a.example, *.b.example,c-d.example", err), 0);
	static const char *const bad[] = {
		"a b", "http://a.example", "a.example:8080", ",a", "*.", "*", "a/b", ".a", "-a",
		"a,,b", "*.*.a",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(hostname_list_check(bad[i], err), -1);
		assert_non_null(strstr(err, "host names"));
	}
}

static void test_loopback_listen_addresses(void **state)
{
	(void)state;
	assert_true(hostname_addr_is_loopback("127.0.0.1"));
	assert_true(hostname_addr_is_loopback("127.8.9.10"));
	assert_true(hostname_addr_is_loopback("::1"));
	assert_false(hostname_addr_is_loopback("0.0.0.0"));
	assert_false(hostname_addr_is_loopback("::"));
	assert_false(hostname_addr_is_loopback("10.0.0.1"));
	assert_false(hostname_addr_is_loopback("128.0.0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_port_is_cut_off_the_name),
		cmocka_unit_test(test_malformed_authorities_have_no_name),
		cmocka_unit_test(test_localhost_and_ip_literals_are_names_dns_cannot_forge),
		cmocka_unit_test(test_the_allowed_list_matches_names_and_suffixes),
		cmocka_unit_test(test_the_allowed_list_is_checked_at_start_up),
		cmocka_unit_test(test_loopback_listen_addresses),
	};
	return cmocka_run_group_tests_name("hostname", tests, NULL, NULL);
}
