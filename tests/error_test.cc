// placeholder until this suite is written
#include <doctest/doctest.h>
