"""vehicle-connect: connect sessions between apps, car makers' clouds and Redis."""
