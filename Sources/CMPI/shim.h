// Open MPI's C API. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ... are macros over addresses of library globals,
// which Swift cannot import, so small inline functions hand them over.
#include <mpi.h>

static inline MPI_Comm rmae_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype rmae_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype rmae_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype rmae_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype rmae_mpi_char(void) { return MPI_CHAR; }
static inline MPI_Op rmae_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op rmae_mpi_max(void) { return MPI_MAX; }
static inline void *rmae_mpi_in_place(void) { return MPI_IN_PLACE; }
