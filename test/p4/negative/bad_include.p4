// expect: 3:10: cannot find include file 'does_not_exist.p4'
#include <core.p4>
#include "does_not_exist.p4"
